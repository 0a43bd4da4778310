"""GraphQL types of account management: a customer's status and the limits it set itself."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.scalars import Decimal
from services.compliance.customer_limits import OwnLimit
from services.money import format_amount


@strawberry.enum(description="Whether the customer is open for business.")
class CustomerStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Open: wallets, payments and changes as usual.")
    CLOSED = strawberry.enum_value(
        "CLOSED",
        description="Closed for good by customerClose (every wallet closed first): its data, wallets and history stay"
        " readable; it opens no wallet and nothing about it changes.",
    )


def _decimal(minor: int | None, currency: str) -> str | None:
    return None if minor is None else format_amount(minor, currency)


@strawberry.type(
    description="Limits a customer set itself in one currency (customerLimitsSet), below its KYC tier's. Payments"
    " must fit the lower of the two: Customer.limits shows that combined result and what remains of it."
)
class CustomerOwnLimit:
    currency: str = strawberry.field(description="ISO 4217 code.")
    daily: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="At most this much sent per day in this currency (null: only the tier's limit applies)."
    )
    per_transaction: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="At most this much in one payment (null: only the tier's limit applies)."
    )
    updated_at: datetime | None = strawberry.field(description="When the customer last changed these limits.")

    @classmethod
    def of(cls, limit: OwnLimit) -> CustomerOwnLimit:
        """The GraphQL view of a customer's own limits in one currency."""
        return cls(
            currency=limit.currency, daily=_decimal(limit.daily_minor, limit.currency),
            per_transaction=_decimal(limit.single_max_minor, limit.currency), updated_at=limit.updated_at,
        )
