"""reportTopMerchants and reportTopCategories: where posted payments went, most payments first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from auth.principal import Principal
from models import Merchant
from services.errors import ValidationFailed
from services.payments.mcc import category_name
from services.reporting.access import require_reporter
from services.reporting.days import checked_range
from services.reporting.facts import MERCHANT
from services.reporting.reading import merge, read_fact, report_snapshot

MAX_LIMIT = 100


@dataclass(frozen=True)
class MerchantLine:
    merchant_id: uuid.UUID
    name: str
    category: str  # the ISO 18245 merchant category code
    category_name: str | None
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True)
class CategoryLine:
    category: str
    category_name: str | None
    currency: str
    count: int
    amount_minor: int


def _checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field=["limit"])
    return limit


async def _merchant_lines(first: date, last: date, partner_id: uuid.UUID | None) -> list[MerchantLine]:
    days = checked_range(first, last)
    async with report_snapshot() as conn:
        rows = await read_fact(conn, MERCHANT, days, partner_id, keep_day=False)
    merchants = {m.id: m for m in await Merchant.filter(id__in=list({r["merchant_id"] for r in rows}))}
    lines = []
    for row in rows:
        merchant = merchants[row["merchant_id"]]
        lines.append(MerchantLine(merchant_id=merchant.id, name=merchant.display_name, category=merchant.mcc,
                                  category_name=category_name(merchant.mcc), currency=row["currency"],
                                  count=row["txn_count"], amount_minor=row["amount_minor"]))
    return lines


def _ranked(lines: list, limit: int) -> list:
    # Amounts in different currencies do not compare: the number of payments ranks, the amount breaks ties.
    return sorted(lines, key=lambda line: (-line.count, -line.amount_minor, line.currency))[:limit]


async def report_top_merchants(*, principal: Principal, first: date, last: date, partner_id: uuid.UUID | None = None,
                               limit: int = 10) -> list[MerchantLine]:
    """The merchants with the most posted payments in the range, per currency."""
    require_reporter(principal)
    limit = _checked_limit(limit)
    return _ranked(await _merchant_lines(first, last, partner_id), limit)


async def report_top_categories(*, principal: Principal, first: date, last: date, partner_id: uuid.UUID | None = None,
                                limit: int = 10) -> list[CategoryLine]:
    """The merchant categories with the most posted payments in the range, per currency."""
    require_reporter(principal)
    limit = _checked_limit(limit)
    rows = [{"category": line.category, "currency": line.currency, "count": line.count, "amount": line.amount_minor}
            for line in await _merchant_lines(first, last, partner_id)]
    merged = merge(rows, ["category", "currency"], ("count", "amount"))
    lines = [CategoryLine(category=r["category"], category_name=category_name(r["category"]), currency=r["currency"],
                          count=r["count"], amount_minor=r["amount"]) for r in merged]
    return _ranked(lines, limit)
