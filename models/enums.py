"""Enumerations stored in the database (their values are the stored strings)."""

from enum import Enum


class PartnerStatus(str, Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class PartnerEnvironment(str, Enum):
    """Where a partner's credentials, customers and money live: real (LIVE) or test (SANDBOX); fixed at partnerCreate."""

    LIVE = "LIVE"
    SANDBOX = "SANDBOX"


class PartnerStrongAuthMode(str, Enum):
    """Whether a partner's own (server-side) token may move money that the pack says needs strong authentication."""

    EXEMPT = "EXEMPT"
    REQUIRE_CUSTOMER_TOKEN = "REQUIRE_CUSTOMER_TOKEN"


class ApiClientStatus(str, Enum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class CustomerKind(str, Enum):
    INDIVIDUAL = "INDIVIDUAL"
    BUSINESS = "BUSINESS"


class CustomerStatus(str, Enum):
    """ACTIVE, or CLOSED for good (every wallet closed first); a closed customer's data and history stay readable."""

    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class KycStatus(str, Enum):
    NONE = "NONE"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    NEEDS_INFO = "NEEDS_INFO"


class WalletStatus(str, Enum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


class AccountKind(str, Enum):
    WALLET = "WALLET"
    SETTLEMENT = "SETTLEMENT"
    FEE_REVENUE = "FEE_REVENUE"
    PARTNER_REVENUE = "PARTNER_REVENUE"
    FX = "FX"
    SUSPENSE = "SUSPENSE"
    SANDBOX = "SANDBOX"  # one sandbox partner's test money in one currency: the bank's side of its postings
    FX_POSITION = "FX_POSITION"  # the bank's position in one currency: the other side of FX conversions (services.fx)
    FX_REVENUE = "FX_REVENUE"  # what the FX spread earns the bank, in the currency bought (services.fx)
    # Points programmes (services.points): the unit's source, customers' points, and the two sinks, so that
    # issued = outstanding + redeemed + expired per programme (a points unit is a ledger "currency" with no decimals).
    POINTS_ISSUANCE = "POINTS_ISSUANCE"
    POINTS = "POINTS"
    POINTS_REDEEMED = "POINTS_REDEEMED"
    POINTS_EXPIRED = "POINTS_EXPIRED"
    COUPON_BUDGET = "COUPON_BUDGET"  # a coupon campaign's funded budget: the source of its discount legs (services.coupons)
    # A points programme's money set aside for its customers' funded points (services.points.reserve): balance
    # derived from entries, never locked; per programme it equals the sum of its points accounts' funded_minor.
    POINTS_RESERVE = "POINTS_RESERVE"
    # A DEFERRED-settlement merchant's payments land here first (services.merchants.settlement): balance derived from
    # entries, never locked, so payers never queue on the merchant's settlement wallet; settlements move it on.
    MERCHANT_CLEARING = "MERCHANT_CLEARING"


class TransactionKind(str, Enum):
    TOP_UP = "TOP_UP"
    TRANSFER = "TRANSFER"
    WITHDRAWAL = "WITHDRAWAL"
    SWEEP = "SWEEP"  # a closing wallet's whole balance to another wallet of the same customer (walletClose)
    SANDBOX_FUND = "SANDBOX_FUND"  # test money minted into a sandbox partner's wallet (sandboxFund)
    PAYMENT = "PAYMENT"  # a payer's wallet to a merchant's settlement wallet (paymentCreate)
    REFUND = "REFUND"  # a merchant's settlement wallet back to the payer's wallet (refundCreate)
    REVERSAL = "REVERSAL"  # the exact opposite of a posted transaction, by bank staff (transactionReverse)
    RAIL_RETURN = "RAIL_RETURN"  # a settled rail top-up or withdrawal returned by the bank (services.rails.outcomes)
    FX_CONVERSION = "FX_CONVERSION"  # one customer's wallet to its wallet in another currency at a quote (walletConvert)
    # Points programmes (services.points): legs in the programme's points unit only, between its accounts.
    POINTS_EARN = "POINTS_EARN"
    POINTS_CLAWBACK = "POINTS_CLAWBACK"
    POINTS_REDEEM = "POINTS_REDEEM"
    POINTS_EXPIRY = "POINTS_EXPIRY"
    POINTS_RETURN = "POINTS_RETURN"  # points spent on a payment given back (its refund, reversal or rejection)
    COUPON_FUNDING = "COUPON_FUNDING"  # a campaign's budget from its funding wallet to its COUPON_BUDGET account
    POINTS_FUNDING = "POINTS_FUNDING"  # earned points' value from a programme's funding wallet to its POINTS_RESERVE
    POINTS_RELEASE = "POINTS_RELEASE"  # expired or clawed-back points' value from the POINTS_RESERVE back to funding
    MERCHANT_SETTLEMENT = "MERCHANT_SETTLEMENT"  # a DEFERRED merchant's clearing account to its settlement wallet


class TransactionStatus(str, Enum):
    POSTED = "POSTED"
    HELD = "HELD"
    REJECTED = "REJECTED"


class ScreeningStatus(str, Enum):
    CLEAR = "CLEAR"
    HOLD = "HOLD"
    BLOCKED = "BLOCKED"


class SettlementTiming(str, Enum):
    """When a merchant's payments reach its settlement wallet: IMMEDIATE (in the payment's own posting, the default)
    or DEFERRED (into the merchant's clearing account, moved on by settlements: services.merchants.settlement)."""

    IMMEDIATE = "IMMEDIATE"
    DEFERRED = "DEFERRED"


class MerchantStatus(str, Enum):
    """ACTIVE (its QR codes can be paid) or SUSPENDED by its partner (merchantSuspend / merchantReactivate)."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
