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


class WalletStateConflict(DomainError):
    """The wallet is not in the state the action needs (freezing a frozen or closed wallet)."""

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


class Forbidden(DomainError):
    """The caller may not make this call at all (services.authority decides).

    Not a business refusal: the API answers it like a permission rule on the
    schema field, a GraphQL error with extensions.code FORBIDDEN (never a
    userError; ErrorCode has no FORBIDDEN).
    """

    code = "FORBIDDEN"


# Keep this last: it collects the codes of every class defined above it.
ALL_ERROR_CODES = sorted(
    {cls.code for cls in DomainError.__subclasses__()} | {DomainError.code}
)
