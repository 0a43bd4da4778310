"""The storage enums, exposed to GraphQL under the same names and values."""

from __future__ import annotations

import strawberry

from services import enums

CustomerKind = strawberry.enum(
    enums.CustomerKind, name="CustomerKind",
    description="Whether a customer is a person or a company; fixed at customerCreate. It decides what kycSubmit"
    " asks for (a business sends company data and beneficial owners).",
)
KycStatus = strawberry.enum(
    enums.KycStatus, name="KycStatus",
    description="Where a customer (or one KYC submission) stands in identity verification. Money limits follow the"
    " customer's kycTier, which only an APPROVED review raises.",
)
WalletStatus = strawberry.enum(
    enums.WalletStatus, name="WalletStatus",
    description="Whether money may move in and out of a wallet. Any status other than ACTIVE refuses money"
    " movements with WALLET_NOT_ACTIVE.",
)
PartnerStatus = strawberry.enum(
    enums.PartnerStatus, name="PartnerStatus",
    description="Whether a partner company may use the API; set by bank admins with partnerSuspend and partnerReactivate.",
)
AccountKind = strawberry.enum(
    enums.AccountKind, name="AccountKind",
    description="What a ledger account belongs to: a customer's wallet, or one of the bank's own accounts (one per"
    " kind and currency) that take the other side of postings.",
)
TransactionKind = strawberry.enum(
    enums.TransactionKind, name="TransactionKind",
    description="What a transaction (journal entry) did to money. Every kind is double-entry: its entries sum to"
    " zero per currency.",
)
TransactionStatus = strawberry.enum(
    enums.TransactionStatus, name="TransactionStatus",
    description="Whether a transaction's money has moved: POSTED, HELD for compliance review, or REJECTED by it.",
)
PartnerEnvironment = strawberry.enum(
    enums.PartnerEnvironment, name="PartnerEnvironment",
    description="Where a partner's credentials, customers and money live, fixed at partnerCreate: LIVE (real customers"
    " and money) or SANDBOX (test ones, kept apart from live data). Tokens carry it; a token never reaches the other"
    " environment's objects.",
)
ApiClientStatus = strawberry.enum(
    enums.ApiClientStatus, name="ApiClientStatus",
    description="Whether an API client's credentials (client_id and secret) may still obtain tokens at POST /oauth/token.",
)


def _describe(enum: type, **descriptions: str) -> None:
    """Describe values of a storage enum exposed as is (every value added since v1 is described here)."""
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        if value.name in descriptions:
            value.description = descriptions[value.name]


_describe(
    CustomerKind,
    INDIVIDUAL="A natural person. KYC needs a dateOfBirth and a personal ID document.",
    BUSINESS="A company. KYC needs its company data (business) and at least one beneficial owner.",
)
_describe(
    KycStatus,
    NONE="Nothing submitted yet (kycTier 0).",
    PENDING="A submission waits for review by bank compliance; kycSubmit answers KYC_PENDING until it is decided.",
    APPROVED="Verified: the reviewer granted the tier shown in kycTier.",
    REJECTED="Refused by the reviewer; the customer's kycTier is 0. The reason is kept by the bank.",
    NEEDS_INFO="The reviewer asks for more information (the submission's reviewReason says what): send a new kycSubmit.",
)
_describe(
    WalletStatus,
    ACTIVE="Open: money may move in and out, within the customer's limits.",
    FROZEN="Frozen by bank compliance (walletFreeze): nothing moves in or out (WALLET_NOT_ACTIVE) until it is"
    " unfrozen. The balance stays.",
    CLOSED="Closed for good (walletClose) with a zero balance; its history stays readable, nothing moves.",
)
_describe(
    PartnerStatus,
    ACTIVE="The partner's tokens are accepted.",
    SUSPENDED="Suspended by a bank admin: every token of the partner (and the customer tokens it minted) is refused"
    " with HTTP 401; after reactivation only tokens issued since are accepted.",
)
_describe(
    AccountKind,
    WALLET="A customer's wallet (the wallet field links it).",
    SETTLEMENT="The bank's settlement (funding) account of the currency: the other side of top-ups and withdrawals.",
    FEE_REVENUE="The bank's fee revenue account of the currency: collects the fees charged.",
    PARTNER_REVENUE="One partner's share of fees in the currency (per partner and currency).",
    FX="The bank's foreign-exchange account of the currency (reserved for currency conversion postings).",
    SUSPENSE="The bank's suspense account of the currency, for amounts awaiting allocation (reserved).",
    SANDBOX="One sandbox partner's test money in the currency: sandboxFund mints from it, and that partner's top-ups,"
    " withdrawals and fees go through it instead of the bank's settlement and fee revenue accounts.",
    FX_POSITION="The bank's FX position in the currency: the other side of currency conversions (walletConvert),"
    " receiving what customers sell and paying what they buy.",
    FX_REVENUE="What the FX spread earns the bank, in the currency bought (walletConvert's mid buy amount less the"
    " customer's).",
    POINTS_ISSUANCE="A points programme's source (issue 15): every point earned is debited from it, in the"
    " programme's unit.",
    POINTS="One customer's points in one programme (whole points of the programme's unit).",
    POINTS_REDEEMED="A points programme's sink for points converted into wallet money (pointsRedeem).",
    POINTS_EXPIRED="A points programme's sink for points that expired (the expiry sweep).",
    COUPON_BUDGET="A coupon campaign's budget (issue 15), funded from its funding wallet when the campaign is created:"
    " every coupon discount is a leg from it in the payment's own posting, and refunds give discounts back to it.",
    POINTS_RESERVE="A points programme's money set aside for its customers' earned points (issue 15): funded from"
    " its funding wallet as points are earned, it pays the points' value as a leg of the payment that spends them,"
    " and gives back to the funding wallet what expired or clawed-back points no longer need.",
    MERCHANT_CLEARING="A DEFERRED merchant's payments, before a settlement moves them into its settlement wallet:"
    " credited by each payment without a lock, its balance is the sum of its entries.",
)
_describe(
    TransactionKind,
    TOP_UP="Money in: the bank's settlement account pays into a wallet (walletTopUp); a fee, if any, comes out of"
    " the credited wallet.",
    TRANSFER="Wallet to wallet in one currency (transferCreate); the sending wallet pays amount and fee together.",
    WITHDRAWAL="Money out: a wallet pays out to the bank's settlement account (withdrawalCreate).",
    SWEEP="A closing wallet's whole balance moved to another wallet of the same customer and currency (walletClose):"
    " free, and not counted against the customer's outgoing limits.",
    SANDBOX_FUND="Test money minted into a sandbox partner's wallet (sandboxFund) from that partner's SANDBOX account;"
    " never real money, and never in live reports.",
    PAYMENT="A payment to a merchant (paymentCreate): the payer's wallet pays the merchant's settlement wallet, which"
    " may be another partner's; counted against the payer's limits like a transfer.",
    REFUND="Money back from a merchant's settlement wallet to the payer's wallet (refundCreate), at most what the"
    " payment moved, in one or several parts.",
    REVERSAL="The exact opposite of a POSTED transaction, every entry negated and the fee given back, posted once by"
    " bank admin or compliance (transactionReverse) as a correction.",
    RAIL_RETURN="A settled rail top-up or withdrawal that the bank returned (its railTransfer is RETURNED): a"
    " withdrawal's amount comes back to the wallet, a top-up's leaves it again; no fee, no limits counted.",
    FX_CONVERSION="One customer's wallet to its own wallet in another currency at an FX quote (walletConvert): amount"
    " and fee in the currency sold, buyAmount in the currency bought; each currency balances on its own through the"
    " bank's FX position accounts. Not counted against outgoing limits.",
    POINTS_EARN="Points earned on a payment: the programme's ISSUANCE account to the customer's POINTS account, in"
    " the programme's unit (no money moves).",
    POINTS_CLAWBACK="Points taken back because their payment was refunded or reversed (never below zero).",
    POINTS_REDEEM="Points converted into money: the customer's POINTS to the programme's REDEEMED account; the money"
    " is the TRANSFER from the programme's funding wallet written in the same atomic write.",
    POINTS_RETURN="Points spent on a payment given back to the customer because the payment was refunded (in"
    " proportion), reversed or rejected by compliance: the programme's REDEEMED account to the customer's POINTS"
    " account; their value goes back to the programme's funding wallet in the same atomic write.",
    POINTS_EXPIRY="Points expired by the sweep, oldest first: the customer's POINTS to the programme's EXPIRED account.",
    COUPON_FUNDING="A coupon campaign's budget moved from its funding wallet to the campaign's COUPON_BUDGET account"
    " (couponCampaignCreate); discounts are then paid from that account.",
    POINTS_FUNDING="Earned points' value moved from their programme's funding wallet to its POINTS_RESERVE account,"
    " after the points are earned; a payment spending them is then paid from the reserve.",
    POINTS_RELEASE="The value of expired or clawed-back points moved from their programme's POINTS_RESERVE account"
    " back to its funding wallet.",
    MERCHANT_SETTLEMENT="A DEFERRED merchant's cleared payments (less their merchant fees) moved from its clearing"
    " account into its settlement wallet (the worker, or merchantSettle).",
)
_describe(
    TransactionStatus,
    POSTED="Done: the entries are written and balances changed. Final; a correction is a new reversing transaction.",
    HELD="Held: the payer's debit is reserved (it leaves availableBalance, not balance) but nothing has moved yet."
    " Held for AML review (compliance RELEASEs it and it becomes POSTED, or REJECTs it), or waiting for a payment"
    " rail (its railTransfer: SETTLED posts it, FAILED rejects it).",
    REJECTED="Rejected by compliance after a hold, or failed on its rail: the reservation ended, no money moved and"
    " the sender's limits were given back.",
)
_describe(
    PartnerEnvironment,
    LIVE="Real customers and money (the default). Its tokens never reach sandbox objects.",
    SANDBOX="Test customers and money, for integrating: sandboxFund mints test money, magic KYC idNumbers decide"
    " reviews at once (see the README's Sandbox section), and nothing counts in live reports. Its tokens never"
    " reach live objects.",
)
_describe(
    ApiClientStatus,
    ACTIVE="The client's credentials obtain tokens.",
    REVOKED="Revoked by a bank admin (apiClientRevoke): no new tokens, and its live tokens are refused from the next"
    " request. Final.",
)
