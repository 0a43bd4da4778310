"""Spending insights as GraphQL types: a customer's spending by category, merchant and month (spendingInsights)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.money import Money
from schema.common.relay import to_global_id
from services.insights.spending import InsightLine, SpendingInsights as InsightsRecord


def _change_percent(line: InsightLine) -> float | None:
    """The change against the previous period in percent (one decimal); null when the previous period had none."""
    return round(line.change_minor * 100 / line.previous_minor, 1) if line.previous_minor else None


@strawberry.type(description="One group's spending in one currency, against the same group in the previous period.")
class SpendingLine:
    total: Money = strawberry.field(description="Paid to merchants in the period, less what was refunded.")
    payments: int = strawberry.field(description="How many payments made up total.")
    previous_total: Money = strawberry.field(
        description="The same in the previous period (the period of equal length just before `from`; for a month,"
        " the calendar month before)."
    )
    previous_payments: int = strawberry.field(description="How many payments made up previousTotal.")
    change: Money = strawberry.field(description="total less previousTotal (negative: spent less).")
    change_percent: float | None = strawberry.field(
        description="change as a percentage of previousTotal (one decimal); null when previousTotal is zero."
    )

    @staticmethod
    def parts(line: InsightLine) -> dict:
        """The common fields of every view's line."""
        return dict(total=Money.of(line.total_minor, line.currency), payments=line.count,
                    previous_total=Money.of(line.previous_minor, line.currency), previous_payments=line.previous_count,
                    change=Money.of(line.change_minor, line.currency), change_percent=_change_percent(line))


@strawberry.type(description="Spending at merchants of one category (ISO 18245 merchant category code).")
class CategorySpending(SpendingLine):
    category_code: str = strawberry.field(description="The merchant category code (4 digits).")
    category_name: str | None = strawberry.field(description="Its ISO 18245 name; null for a code we do not know.")


@strawberry.type(description="Spending at one merchant.")
class MerchantSpending(SpendingLine):
    merchant_id: strawberry.ID = strawberry.field(description="The merchant (a Merchant global ID).")
    merchant_name: str = strawberry.field(description="The merchant's display name.")
    category_code: str = strawberry.field(description="The merchant's category code (4 digits).")


@strawberry.type(description="Spending in one calendar month (UTC), against the calendar month before it.")
class MonthSpending(SpendingLine):
    month: str = strawberry.field(description="The month, YYYY-MM (UTC); its part within the period only.")


@strawberry.type(description="Total spending in one currency.")
class CurrencySpending(SpendingLine):
    currency: str = strawberry.field(description="The ISO 4217 currency of every amount of this line.")


@strawberry.type(
    description="A customer's spending at merchants (payments less refunds; payments held for review or rejected"
    " are left out), computed by the database, each line against the previous period of the same length. Amounts"
    " never mix currencies: each line is one currency's, biggest first."
)
class SpendingInsights:
    period_from: datetime = strawberry.field(description="The period's start (inclusive, UTC).")
    period_to: datetime = strawberry.field(description="The period's end (exclusive, UTC).")
    previous_from: datetime = strawberry.field(description="The previous period's start: it ends at periodFrom.")
    totals: list[CurrencySpending] = strawberry.field(description="Per currency.")
    by_category: list[CategorySpending] = strawberry.field(description="Per merchant category and currency.")
    by_merchant: list[MerchantSpending] = strawberry.field(
        description="Per merchant and currency: the 50 biggest merchants of the period per currency."
    )
    by_month: list[MonthSpending] = strawberry.field(description="Per calendar month and currency, oldest first.")

    @classmethod
    def from_record(cls, record: InsightsRecord) -> SpendingInsights:
        """The GraphQL view of a customer's insights."""
        return cls(
            period_from=record.period_from, period_to=record.period_to, previous_from=record.previous_from,
            totals=[CurrencySpending(currency=line.currency, **SpendingLine.parts(line)) for line in record.totals],
            by_category=[CategorySpending(category_code=line.key, category_name=line.category_name,
                                          **SpendingLine.parts(line)) for line in record.categories],
            by_merchant=[MerchantSpending(merchant_id=to_global_id("Merchant", line.key),  # type: ignore[arg-type]
                                          merchant_name=line.merchant_name or "", category_code=line.mcc or "",
                                          **SpendingLine.parts(line)) for line in record.merchants],
            by_month=[MonthSpending(month=line.key, **SpendingLine.parts(line)) for line in record.months],
        )
