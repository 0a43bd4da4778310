"""GraphQL types of fee rules, quotes and revenue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.common.money import Money
from schema.common.relay import to_global_id
from services.fees.rules import RuleSpec
from services.money import format_amount


def _money(minor: int | None, currency: str | None) -> str | None:
    """A minor-unit amount as a decimal string when the rule has a currency, else as minor units."""
    if minor is None:
        return None
    return format_amount(minor, currency) if currency else str(minor)


@strawberry.type(description="A fee rule: fixed + amount x rate, clamped to [feeMin, feeMax]. Amounts are in the rule's currency (minor units when the rule has none).")
class FeeRule:
    id: strawberry.ID
    scope: str = strawberry.field(description="BANK (the default schedule) or PARTNER.")
    kind: str
    currency: str | None
    corridor: str | None
    destination_country: str | None
    customer_kind: str | None
    amount_min: str | None
    amount_max: str | None
    fixed: str
    rate_bps: int
    fee_min: str
    fee_max: str | None
    free_per_month: int
    effective_from: datetime
    effective_to: datetime | None

    @classmethod
    def from_spec(cls, rule: RuleSpec) -> FeeRule:
        """The GraphQL view of a rule."""
        cur = rule.currency
        return cls(
            id=to_global_id("FeeRule", rule.id),  # type: ignore[arg-type]
            scope="PARTNER" if rule.partner_id else "BANK", kind=rule.kind, currency=cur, corridor=rule.corridor,
            destination_country=rule.destination_country, customer_kind=rule.customer_kind,
            amount_min=_money(rule.amount_min_minor, cur), amount_max=_money(rule.amount_max_minor, cur),
            fixed=_money(rule.fixed_minor, cur) or "0", rate_bps=rule.rate_bps,
            fee_min=_money(rule.fee_min_minor, cur) or "0", fee_max=_money(rule.fee_max_minor, cur),
            free_per_month=rule.free_per_month, effective_from=rule.effective_from, effective_to=rule.effective_to,
        )


@strawberry.type(description="What a transaction would cost now; the posting charges exactly this for the same inputs.")
class FeeQuote:
    fee_kind: str = strawberry.field(description="The kind charged (a transfer across countries is INTERNATIONAL_TRANSFER).")
    amount: Money
    fee: Money
    total_debit: Money = strawberry.field(description="Amount plus fee: what leaves the paying wallet.")
    rule: FeeRule | None
    breakdown: JSON


@strawberry.type
class FeeRevenueLine:
    group: str
    revenue: Money
    transactions: int


def quote_view(quote: Any) -> FeeQuote:
    """The GraphQL view of a services.fees.quote.FeeQuote."""
    rule = quote.fee.decision.rule
    return FeeQuote(
        fee_kind=quote.fee.kind or "NONE",
        amount=Money.of(quote.amount_minor, quote.currency),
        fee=Money.of(quote.fee.fee_minor, quote.currency),
        total_debit=Money.of(quote.total_debit_minor, quote.currency),
        rule=FeeRule.from_spec(rule) if rule else None,
        breakdown=quote.fee.breakdown,
    )
