"""UserError, the stable error codes of business refusals, and the audited call wrapper."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from services.audit import record_event
from services.errors import DomainError, Forbidden
from services.outcome import ServiceResult
from schema.common.audit_actor import actor_of

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
    INVALID_STATE = "INVALID_STATE"
    KYC_PENDING = "KYC_PENDING"
    KYC_ALREADY_REVIEWED = "KYC_ALREADY_REVIEWED"
    PII_INTEGRITY = "PII_INTEGRITY"
    COMPLIANCE_HOLD = "COMPLIANCE_HOLD"


@strawberry.type(description="Why a mutation refused to act. Nothing was changed.")
class UserError:
    code: ErrorCode
    message: str
    field: list[str] | None = None

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        """Map a service refusal to the payload error partners see."""
        return cls(code=ErrorCode(error.code), message=error.message, field=error.field)


def _object_of(result: Any) -> tuple[str | None, str | None, Any]:
    """(type, id, owning partner id) of the object a mutation acted on."""
    if isinstance(result, ServiceResult):
        target = result.audit_target()
        return (None, None, None) if target is None else (target.object_type, target.object_id, target.partner_id)
    model = getattr(result, "_audit_object", result)
    object_id = getattr(model, "id", None)
    if object_id is None:
        return None, None, None
    # A service's result record names the object it stands for (ServiceResult.audit_type); an ORM row is its class.
    type_name = getattr(model, "audit_type", None) or type(model).__name__
    partner_id = object_id if type_name == "Partner" else getattr(model, "partner_id", None)
    return type_name, str(object_id), partner_id


async def attempt(info: Any, call: Awaitable[T], *, detail: str | None = None) -> tuple[T | None, list[UserError]]:
    """Await a mutation's service call, audit its outcome, and turn a refusal into userErrors."""
    context = info.context
    try:
        result = await call
    except Forbidden:
        raise  # not a refusal for userErrors: answered like a permission rule, a FORBIDDEN GraphQL error
    except DomainError as error:
        outcome, result, errors = error.code, None, [UserError.from_domain(error)]
    else:
        outcome, errors = "OK", []
    context.audited.add(info.path.key)
    if isinstance(result, ServiceResult) and result.audited:
        return result, errors  # the service wrote the row inside its own transaction
    object_type, object_id, partner_id = _object_of(result) if result is not None else (None, None, None)
    await record_event(
        actor=actor_of(context.principal), operation=info.field_name, outcome=outcome,
        object_type=object_type, object_id=object_id, request_id=context.request_id, detail=detail,
        # Staff actions are filed under the partner they touched, so auditEvents(partnerId:) shows them.
        partner_id=partner_id,
    )
    return result, errors
