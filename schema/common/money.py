"""The Money type: an exact decimal string and its currency."""

from __future__ import annotations

import strawberry

from schema.common.scalars import Decimal
from services.money import format_amount


@strawberry.type(
    description="An amount of money in one currency. The ledger keeps integer minor units; the API shows them as an"
    ' exact decimal string in the major unit with exactly the currency\'s decimals (1250 CNY fen is "12.50").'
)
class Money:
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='The amount as an exact decimal string with exactly the currency\'s ISO 4217 decimals, e.g. "12.50"'
        ' CNY, "1250" JPY, "1.250" KWD. Never a float: parse it with a decimal type.'
    )
    currency: str = strawberry.field(description="The ISO 4217 currency code, upper case, e.g. CNY, USD, JPY.")

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """Money from integer minor units."""
        return cls(amount=format_amount(minor, currency), currency=currency)
