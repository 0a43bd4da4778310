"""The Money type: an exact decimal string and its currency."""

from __future__ import annotations

import strawberry

from schema.common.scalars import Decimal
from services.money import format_amount


@strawberry.type(description="An amount of money: a decimal string in the currency's minor-unit precision.")
class Money:
    amount: Decimal  # type: ignore[valid-type]
    currency: str

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """Money from integer minor units."""
        return cls(amount=format_amount(minor, currency), currency=currency)
