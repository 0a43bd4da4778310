"""UserError and the stable error codes that business refusals carry."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

import strawberry

from services.errors import DomainError

T = TypeVar("T")


@strawberry.enum(description="Stable codes of business refusals; clients may switch on them.")
class ErrorCode(Enum):
    VALIDATION = "VALIDATION"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    WALLET_NOT_ACTIVE = "WALLET_NOT_ACTIVE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    KYC_REQUIRED = "KYC_REQUIRED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    SAME_WALLET = "SAME_WALLET"
    ALREADY_EXISTS = "ALREADY_EXISTS"


@strawberry.type(description="Why a mutation refused to act. Nothing was changed.")
class UserError:
    code: ErrorCode
    message: str
    field: list[str] | None = None

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        """Map a service refusal to the payload error partners see."""
        return cls(code=ErrorCode(error.code), message=error.message, field=error.field)


async def attempt(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Await a service call; a DomainError becomes a userErrors list instead of an exception."""
    try:
        return await call, []
    except DomainError as error:
        return None, [UserError.from_domain(error)]
