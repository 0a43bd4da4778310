"""reportActiveUsers: distinct wallets and customers with a posted movement, per day or per calendar month."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import Principal
from services.db.sql import fetch
from services.reporting.access import require_reporter
from services.reporting.days import DayRange, checked_range, month_days, month_key, start_of
from services.reporting.facts import ACTIVE, raw_sql
from services.reporting.reading import normalised, read_fact, report_snapshot

DAY, MONTH = "DAY", "MONTH"


@dataclass(frozen=True)
class ActiveLine:
    period: str  # "2026-12-05" (DAY) or "2026-12" (MONTH)
    wallets: int
    customers: int


async def report_active_users(*, principal: Principal, first: date, last: date, period: str = DAY,
                              partner_id: uuid.UUID | None = None) -> list[ActiveLine]:
    """Active wallets and customers per day, or per month (a month counts only its days inside the range)."""
    require_reporter(principal)
    days = checked_range(first, last)
    async with report_snapshot() as conn:
        if period == DAY:
            rows = await read_fact(conn, ACTIVE, days, partner_id)
        else:
            rows = []
            for month_first in _months(days):
                rows += await _month_rows(conn, month_first, days, partner_id)
    # Each wallet belongs to one partner, so distinct counts per partner add up to the total.
    totals: dict[str, list[int]] = {}
    for row in rows:
        total = totals.setdefault(row["period"], [0, 0])
        total[0] += row["wallets"]
        total[1] += row["customers"]
    return [ActiveLine(period=key, wallets=w, customers=c) for key, (w, c) in sorted(totals.items())]


def _months(days: DayRange) -> list[date]:
    firsts: list[date] = []
    month = days.first.replace(day=1)
    while month <= days.last:
        firsts.append(month)
        month = month_days(month)[-1] + timedelta(days=1)
    return firsts


async def _month_rows(conn: BaseDBAsyncClient, month_first: date, days: DayRange,
                      partner_id: uuid.UUID | None) -> list[dict]:
    whole = month_days(month_first)
    first, last = max(days.first, whole[0]), min(days.last, whole[-1])
    by_partner = [partner_id] if partner_id is not None else []
    if (first, last) == (whole[0], whole[-1]):
        rolled = await fetch(conn, "SELECT period FROM report_rolled_period WHERE period = $1", [month_key(month_first)])
        if rolled:
            where = " AND partner_id = $2" if partner_id is not None else ""
            rows = await fetch(conn, f"SELECT period, partner_id, wallets, customers FROM report_period_active"
                                     f" WHERE period = $1{where}", [month_key(month_first), *by_partner])
            return [normalised(row, ACTIVE.measures) for row in rows]
    # Distinct counts do not add up over days: a month not rolled (or only partly asked for) is counted from the ledger.
    rows = await fetch(conn, raw_sql(conn, ACTIVE, by_partner=partner_id is not None, period_length=7),
                       [start_of(first), start_of(last + timedelta(days=1)), *by_partner])
    return [normalised(row, ACTIVE.measures) for row in rows]



