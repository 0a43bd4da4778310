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


# Keep this last: it collects the codes of every class defined above it.
ALL_ERROR_CODES = sorted(
    {cls.code for cls in DomainError.__subclasses__()} | {DomainError.code}
)
