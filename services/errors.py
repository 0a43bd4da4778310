"""Named domain errors. Each carries a stable code that the API exposes as-is."""

from __future__ import annotations


class DomainError(Exception):
    """A business refusal: nothing was changed, and the caller may be told why."""

    code = "VALIDATION"

    def __init__(self, message: str, *, field: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    code = "VALIDATION"


class InvalidAmount(DomainError):
    code = "INVALID_AMOUNT"


class InsufficientFunds(DomainError):
    code = "INSUFFICIENT_FUNDS"


class CurrencyMismatch(DomainError):
    code = "CURRENCY_MISMATCH"


class WalletNotActive(DomainError):
    code = "WALLET_NOT_ACTIVE"


class LimitExceeded(DomainError):
    code = "LIMIT_EXCEEDED"


class KycRequired(DomainError):
    code = "KYC_REQUIRED"


class IdempotencyConflict(DomainError):
    code = "IDEMPOTENCY_CONFLICT"


class BatchAborted(DomainError):
    """An item of an all-or-nothing batch that was not posted because another item was refused (or the batch failed)."""

    code = "BATCH_ABORTED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class SameWallet(DomainError):
    code = "SAME_WALLET"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class UnsupportedCurrency(DomainError):
    code = "UNSUPPORTED_CURRENCY"


class ComplianceHold(DomainError):
    code = "COMPLIANCE_HOLD"


class StepUpRequired(DomainError):
    """The money movement needs a stronger or fresher customer authentication than the token carries.

    The message names what is needed (two factors or a biometric, within how
    many seconds); nothing was changed and the idempotency key is not used.
    """

    code = "STEP_UP_REQUIRED"


class WalletStateConflict(DomainError):
    """The wallet is not in the state the action needs (freezing a frozen or closed wallet)."""

    code = "INVALID_STATE"


class CustomerStateConflict(DomainError):
    """The customer is not in the state the action needs (changing or closing a closed customer, closing one with open wallets)."""

    code = "INVALID_STATE"


class WalletNotEmpty(DomainError):
    """The wallet still holds money, funds on hold or transactions under review: it cannot be closed like that."""

    code = "WALLET_NOT_EMPTY"


class SettlementStateConflict(DomainError):
    """A merchant settlement is no longer OPEN: another settle posted it (services.merchants.settlement)."""

    code = "INVALID_STATE"


class CaseStateConflict(DomainError):
    """An AML case or alert is not in the state the action needs (closing a closed case, an alert already in a case)."""

    code = "INVALID_STATE"


class KycAlreadyPending(DomainError):
    """The customer already has a KYC submission waiting for review."""

    code = "KYC_PENDING"


class KycAlreadyReviewed(DomainError):
    """The KYC submission was already decided (only a PENDING one can be reviewed)."""

    code = "KYC_ALREADY_REVIEWED"


class PiiUnreadable(DomainError):
    """A stored PII value failed its integrity check (altered or misplaced): it is not shown."""

    code = "PII_INTEGRITY"


class LastAdmin(DomainError):
    """The change would leave the bank without an active admin (deactivating or demoting the last one)."""

    code = "LAST_ADMIN"


class Forbidden(DomainError):
    """The caller may not make this call at all (services.authority decides).

    Not a business refusal: the API answers it like a permission rule on the
    schema field, a GraphQL error with extensions.code FORBIDDEN (never a
    userError; ErrorCode has no FORBIDDEN).
    """

    code = "FORBIDDEN"


class MerchantStateConflict(DomainError):
    """The merchant is not in the state the action needs (suspending a suspended merchant, reactivating an active one)."""

    code = "INVALID_STATE"


class InvalidQrCode(DomainError):
    """A QR payload is not a valid EMVCo merchant-presented code of ours (the message names the codec's reason)."""

    code = "INVALID_QR"


class PaymentRequestExpired(DomainError):
    """The payment request's expiresAt has passed: it can no longer be paid."""

    code = "PAYMENT_REQUEST_EXPIRED"


class AlreadyPaid(DomainError):
    """A single-use payment request was already paid."""

    code = "ALREADY_PAID"


class MerchantNotActive(DomainError):
    """The merchant is SUSPENDED (or cannot accept payments now): its codes cannot be paid."""

    code = "MERCHANT_NOT_ACTIVE"


class RefundExceedsPayment(DomainError):
    """A refund larger than what remains refundable on its payment (the amount paid minus earlier refunds)."""

    code = "REFUND_EXCEEDS_PAYMENT"


class PaymentNotRefundable(DomainError):
    """The payment moved no money (HELD for compliance's review, or REJECTED): there is nothing to refund."""

    code = "INVALID_STATE"


class AuthorizationNotActive(DomainError):
    """The authorisation is captured, voided or expired (or changed meanwhile): nothing more can be captured."""

    code = "AUTHORIZATION_NOT_ACTIVE"


class PaymentCodeExpired(DomainError):
    """paymentCollect: the customer's payment code is past its 60 seconds (the customer shows a fresh one)."""

    code = "CODE_EXPIRED"


class PaymentCodeUsed(DomainError):
    """paymentCollect: the customer's payment code was already collected (a code works once)."""

    code = "CODE_USED"


class TooManyAttempts(DomainError):
    """Too many failed attempts in the sliding window (guessing payment codes): nothing was looked up or moved."""

    code = "RATE_LIMITED"


class TransactionNotReversible(DomainError):
    """The transaction cannot be reversed: it is not POSTED (held, rejected), it is itself a reversal, or it was
    reversed already by another reversal."""

    code = "NOT_REVERSIBLE"


class UnsupportedCountry(DomainError):
    """bankAccountLink: the bank's country has no account rules here (IBAN countries, CN and US are supported)."""

    code = "UNSUPPORTED_COUNTRY"


class InvalidBankAccount(DomainError):
    """The IBAN, account number or bank code fails its country's rules (the message names the field and reason)."""

    code = "INVALID_BANK_ACCOUNT"


class AlreadyLinked(DomainError):
    """The customer already has this bank account linked (not removed or rejected)."""

    code = "ALREADY_LINKED"


class VerificationLocked(DomainError):
    """The bank account is LOCKED after three wrong micro-deposit answers: link it again after removing it."""

    code = "VERIFICATION_LOCKED"


class VerificationFailed(DomainError):
    """The micro-deposit amounts are wrong (the message says how many tries remain), or the instant check failed."""

    code = "VERIFICATION_FAILED"


class InvalidCard(DomainError):
    """cardLink: the number fails Luhn, its brand is unknown, or the card has expired."""

    code = "INVALID_CARD"


class CardDeclined(DomainError):
    """cardLink: the card processor refused to tokenise the card (the message gives its reason)."""

    code = "CARD_DECLINED"


class FundingSourceNotUsable(DomainError):
    """The bank account is not VERIFIED (or the card not ACTIVE), or belongs to another customer or currency."""

    code = "FUNDING_SOURCE_NOT_USABLE"


class FundingSourceStateConflict(DomainError):
    """The linked bank account or card is not in a state that allows this (e.g. reviewing one not NEEDS_REVIEW)."""

    code = "INVALID_STATE"


class RateUnavailable(DomainError):
    """fxQuote: no rate for the currency pair, or only one older than the configured maximum age (stale)."""

    code = "RATE_UNAVAILABLE"


class QuoteExpired(DomainError):
    """walletConvert: the FX quote's expiresAt has passed; ask for a new quote."""

    code = "QUOTE_EXPIRED"


class QuoteAlreadyUsed(DomainError):
    """walletConvert: the FX quote was already used by a conversion (a quote converts once)."""

    code = "QUOTE_ALREADY_USED"


class QuoteMismatch(DomainError):
    """walletConvert: the wallets' currencies or customer do not match the quote, or it belongs to another caller."""

    code = "QUOTE_MISMATCH"


class SameCurrency(DomainError):
    """fxQuote: the sell and buy currencies are the same (nothing to convert)."""

    code = "SAME_CURRENCY"


class QuoteRequired(DomainError):
    """transferCreate: the two wallets hold different currencies, so the transfer needs an FX quote (quoteId)."""

    code = "QUOTE_REQUIRED"


class ReconciliationStateConflict(DomainError):
    """reconciliationExceptionResolve: the reconciliation exception is already RESOLVED."""

    code = "INVALID_STATE"


class InsufficientPoints(DomainError):
    """pointsRedeem: the customer holds fewer unexpired points in the programme than asked (nothing moved)."""

    code = "INSUFFICIENT_POINTS"


class CouponNotApplicable(DomainError):
    """paymentCreate/couponClaim (issue 15): a coupon cannot be used here; `reason` says which rule (nothing moved)."""

    code = "COUPON_NOT_APPLICABLE"

    def __init__(self, message: str, *, reason: str, coupon_id: object = None, field: list[str] | None = None) -> None:
        super().__init__(f"{reason}: {message}", field=field)
        self.reason = reason  # a services.coupons.reasons.Reason value
        self.coupon_id = coupon_id


class ConsentRequired(DomainError):
    """offerEventRecord (issue 15): the customer has not granted MARKETING consent (or withdrew it): no offer reaches it."""

    code = "CONSENT_REQUIRED"


class BankOffersNotAllowed(DomainError):
    """offerCreate/offerUpdate (issue 15): the partner does not allow the bank's offers to its customers."""

    code = "BANK_OFFERS_NOT_ALLOWED"


class FrequencyCapReached(DomainError):
    """offerEventRecord (issue 15): the offer was shown to the customer as often as its frequency cap allows."""

    code = "FREQUENCY_CAP_REACHED"


class OfferNotEligible(DomainError):
    """offerEventRecord (issue 15): the offer is paused, outside its dates, or its target rules exclude the customer."""

    code = "OFFER_NOT_ELIGIBLE"


class TicketClosed(DomainError):
    """supportTicketReply/supportTicketUpdate: the support ticket is CLOSED (final): open a new ticket instead."""

    code = "TICKET_CLOSED"


class NotDisputable(DomainError):
    """disputeOpen: the ticket is not about a payment to a merchant, or nothing of the payment remains refundable."""

    code = "NOT_DISPUTABLE"


class ResponseDeadlinePassed(DomainError):
    """disputeRespond: the dispute's respondBy has passed; the merchant's partner can no longer answer it."""

    code = "RESPONSE_DEADLINE_PASSED"


class DisputeStateConflict(DomainError):
    """disputeRespond/disputeDecide: the dispute is not in the state the action needs (already decided, answered)."""

    code = "INVALID_STATE"


class ApprovalRequired(DomainError):
    """A business member's payout above the business's approval threshold: create a payout request instead."""

    code = "APPROVAL_REQUIRED"


class SelfApprovalForbidden(DomainError):
    """payoutRequestApprove by the member who made the request (whatever token it uses)."""

    code = "SELF_APPROVAL_FORBIDDEN"


class MemberRoleForbidden(DomainError):
    """The business member's role does not allow the action (services.business.member_permissions), or no member acts."""

    code = "MEMBER_ROLE_FORBIDDEN"


class PayoutRequestNotPending(DomainError):
    """payoutRequestApprove/Reject: the payout request was already approved, rejected or expired."""

    code = "PAYOUT_REQUEST_NOT_PENDING"


class LastOwner(DomainError):
    """businessMemberRemove: the business's last active OWNER cannot be removed."""

    code = "LAST_OWNER"


class BulkFileEncoding(DomainError):
    """bulkPayoutCreate: the uploaded file is not UTF-8 text (a byte order mark is allowed); nothing was stored."""

    code = "BULK_FILE_ENCODING"


class BulkFileHeader(DomainError):
    """bulkPayoutCreate: line 1 is not the header beneficiary,amount,reference (or the file is empty)."""

    code = "BULK_FILE_HEADER"


class BulkTooManyLines(DomainError):
    """bulkPayoutCreate: the file holds more payout lines (or characters) than one batch takes."""

    code = "BULK_TOO_MANY_LINES"


class BulkDuplicateLine(DomainError):
    """A bulk payout line repeats an earlier line's beneficiary, amount and reference (a line's report only)."""

    code = "BULK_DUPLICATE_LINE"


class BulkPayoutInvalid(DomainError):
    """bulkPayoutExecute: an ALL_OR_NOTHING batch has an invalid line (or a beneficiary that can no longer be paid)."""

    code = "BULK_PAYOUT_INVALID"


class BulkPayoutStateConflict(DomainError):
    """bulkPayoutApprove: the batch is not waiting for approval."""

    code = "INVALID_STATE"



# Issue 14 part 7: international transfers (helper A).
class BeneficiaryNotActive(DomainError):
    """internationalTransferCreate: the beneficiary waits for review (watchlist hit), was rejected or deleted."""

    code = "BENEFICIARY_NOT_ACTIVE"


class CountryRefused(DomainError):
    """internationalTransferCreate: the sender's policy pack refuses transfers to the beneficiary's country."""

    code = "COUNTRY_REFUSED"


class CrossBorderQuotaExceeded(DomainError):
    """internationalTransferCreate: the transfer would pass the sender's annual cross-border quota."""

    code = "CROSS_BORDER_QUOTA_EXCEEDED"


class BeneficiaryStateConflict(DomainError):
    """beneficiaryReview / beneficiaryDelete: the beneficiary is not in a state that allows it."""

    code = "INVALID_STATE"

# Keep this last: it collects the codes of every class defined above it.
ALL_ERROR_CODES = sorted(
    {cls.code for cls in DomainError.__subclasses__()} | {DomainError.code}
)
