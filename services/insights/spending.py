"""spendingInsights: a customer's spending by category, merchant and month, against the previous period, in SQL.

Spending is what the customer's wallets paid merchants (models.Payment) less what was refunded, for payments whose
money moved (their ledger transaction is POSTED: a HELD payment may still be rejected, a REJECTED one never paid).
Amounts never mix currencies: every line is one currency's.

Everything is computed by the database in one statement: a single pass over the customer's payments in
[from - length, to) through the covering index idx_payment_insights (migration 0024) aggregates by merchant,
currency and month; the three views (category, merchant, month) are grouped from that small aggregate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise import connections

from auth.principal import Principal
from models import Customer
from services.db.sql import fetch, is_postgres
from services.errors import ValidationFailed
from services.payments.mcc import category_name
from services.scoping import get_scoped

MAX_PERIOD = timedelta(days=366 * 3)  # bounds the work one request may ask of the database
TOP_MERCHANTS = 50  # the merchant view names the customer's 50 biggest merchants per currency

# The customer's spending rows: only the index's columns are read (payer wallet, time, merchant, currency, amounts,
# transaction). $1 customer, $2 start (inclusive), $3 end (exclusive).
_SPENDING = (
    "SELECT p.merchant_id, p.currency, p.created_at, p.amount_minor - p.refunded_minor AS net"
    " FROM payment p WHERE p.payer_wallet_id IN (SELECT w.id FROM wallet w WHERE w.customer_id = $1)"
    " AND p.created_at >= $2 AND p.created_at < $3"
    " AND p.transaction_id NOT IN (SELECT t.id FROM ledger_transaction t WHERE t.status <> 'POSTED')"
)


@dataclass(frozen=True)
class InsightLine:
    """One group's spending in one currency: this period's and the previous period's."""

    key: str  # the category code, the merchant id or the month (YYYY-MM)
    currency: str
    total_minor: int
    count: int
    previous_minor: int
    previous_count: int
    merchant_name: str | None = None  # the merchant view: its display name
    mcc: str | None = None  # the merchant and category views: the category code

    @property
    def change_minor(self) -> int:
        """This period's total less the previous period's."""
        return self.total_minor - self.previous_minor

    @property
    def category_name(self) -> str | None:
        """The ISO 18245 name of the category code (None for an unknown code)."""
        return category_name(self.mcc) if self.mcc else None


@dataclass(frozen=True)
class SpendingInsights:
    """A customer's spending in [period_from, period_to), against [previous_from, period_from)."""

    customer_id: uuid.UUID
    period_from: datetime
    period_to: datetime
    previous_from: datetime
    totals: list[InsightLine]  # key: the currency
    categories: list[InsightLine]
    merchants: list[InsightLine]
    months: list[InsightLine]  # previous_*: the calendar month before, within [previous_from, period_to)


def _utc(value: datetime, field: str) -> datetime:
    """An aware UTC time (a time without offset is UTC)."""
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{field} must be a date and time", field=[field])
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def checked_period(period_from: datetime, period_to: datetime) -> tuple[datetime, datetime, datetime]:
    """(from, to, previous from): a non-empty period of at most MAX_PERIOD, and the previous one of equal length."""
    start, end = _utc(period_from, "from"), _utc(period_to, "to")
    if start >= end:
        raise ValidationFailed("from must be before to", field=["to"])
    if end - start > MAX_PERIOD:
        raise ValidationFailed(f"the period may span at most {MAX_PERIOD.days} days", field=["to"])
    return start, end, start - (end - start)


def _month(pg: bool) -> str:
    """The SQL of a payment's calendar month (UTC): date_trunc on PostgreSQL (cheap per row, formatted after
    grouping), the YYYY-MM prefix of the stored ISO text on SQLite."""
    return "date_trunc('month', s.created_at AT TIME ZONE 'UTC')" if pg else "substr(s.created_at, 1, 7)"


def _month_text(pg: bool, column: str) -> str:
    """A grouped month as YYYY-MM text."""
    return f"to_char({column}, 'YYYY-MM')" if pg else column


def _statement(pg: bool) -> str:
    """The one statement: base aggregate per (merchant, currency, month), then the three views and the totals."""
    materialized = "MATERIALIZED " if pg else ""
    return (
        f"WITH agg AS {materialized}(SELECT s.merchant_id, s.currency, {_month(pg)} AS month,"
        # FILTER: one pass splits this period ($4 on) from the previous one (PostgreSQL, SQLite >= 3.30).
        " COALESCE(SUM(s.net) FILTER (WHERE s.created_at >= $4), 0) AS cur,"
        " COUNT(*) FILTER (WHERE s.created_at >= $4) AS cur_n,"
        " COALESCE(SUM(s.net) FILTER (WHERE s.created_at < $4), 0) AS prev,"
        " COUNT(*) FILTER (WHERE s.created_at < $4) AS prev_n"
        f" FROM ({_SPENDING}) s GROUP BY s.merchant_id, s.currency, {_month(pg)}),"
        " by_merchant AS (SELECT a.merchant_id, a.currency, SUM(a.cur) AS cur, SUM(a.cur_n) AS cur_n,"
        " SUM(a.prev) AS prev, SUM(a.prev_n) AS prev_n FROM agg a GROUP BY a.merchant_id, a.currency),"
        f" by_month AS (SELECT {_month_text(pg, 'a.month')} AS month, a.currency, SUM(a.cur) AS cur, SUM(a.cur_n) AS cur_n,"
        " SUM(a.prev + a.cur) AS whole, SUM(a.prev_n + a.cur_n) AS whole_n FROM agg a GROUP BY a.month, a.currency)"
        # TOTAL: per currency.
        " SELECT 'TOTAL' AS dim, b.currency AS grp, b.currency, SUM(b.cur) AS cur, SUM(b.cur_n) AS cur_n,"
        " SUM(b.prev) AS prev, SUM(b.prev_n) AS prev_n, NULL AS name, NULL AS mcc FROM by_merchant b GROUP BY b.currency"
        # CATEGORY: the merchant's category code (merchants are few: the join is on the small aggregate).
        " UNION ALL SELECT 'CATEGORY', m.mcc, b.currency, SUM(b.cur), SUM(b.cur_n), SUM(b.prev), SUM(b.prev_n), NULL,"
        " m.mcc FROM by_merchant b JOIN merchant m ON m.id = b.merchant_id GROUP BY m.mcc, b.currency"
        # MERCHANT: the biggest TOP_MERCHANTS of this period per currency.
        " UNION ALL SELECT 'MERCHANT', CAST(r.merchant_id AS TEXT), r.currency, r.cur, r.cur_n, r.prev, r.prev_n,"
        " m.display_name, m.mcc FROM (SELECT b.*, ROW_NUMBER() OVER (PARTITION BY b.currency ORDER BY b.cur DESC,"
        " b.prev DESC, b.merchant_id) AS rn FROM by_merchant b) r JOIN merchant m ON m.id = r.merchant_id"
        f" WHERE r.rn <= {TOP_MERCHANTS}"
        # MONTH: months of this period, each against the calendar month before it (LAG over whole months).
        " UNION ALL SELECT 'MONTH', x.month, x.currency, x.cur, x.cur_n, COALESCE(x.before, 0), COALESCE(x.before_n, 0),"
        " x.before_month, NULL FROM (SELECT o.month, o.currency, o.cur, o.cur_n,"
        " LAG(o.whole) OVER (PARTITION BY o.currency ORDER BY o.month) AS before,"
        " LAG(o.whole_n) OVER (PARTITION BY o.currency ORDER BY o.month) AS before_n,"
        " LAG(o.month) OVER (PARTITION BY o.currency ORDER BY o.month) AS before_month FROM by_month o) x"
        " WHERE x.cur_n > 0"
    )


def _previous_month(month: str) -> str:
    """The calendar month before a YYYY-MM month."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _line(row: dict) -> InsightLine:
    """One result row as a line (driver values: SQLite gives strings for ids, PostgreSQL Decimals for sums)."""
    return InsightLine(
        key=str(row["grp"]), currency=row["currency"], total_minor=int(row["cur"] or 0), count=int(row["cur_n"] or 0),
        previous_minor=int(row["prev"] or 0), previous_count=int(row["prev_n"] or 0),
        merchant_name=row.get("name"), mcc=row.get("mcc"),
    )


def _month_line(row: dict) -> InsightLine:
    """A month row: LAG names the previous month that had spending; a gap means the month before had none."""
    line = _line({**row, "name": None})
    if row.get("name") != _previous_month(line.key):
        return InsightLine(key=line.key, currency=line.currency, total_minor=line.total_minor, count=line.count,
                           previous_minor=0, previous_count=0)
    return line


def _ordered(lines: list[InsightLine]) -> list[InsightLine]:
    """Biggest spending first, then by key (a stable order)."""
    return sorted(lines, key=lambda line: (line.currency, -line.total_minor, -line.previous_minor, line.key))


async def customer_insights(customer_id: uuid.UUID, period_from: datetime, period_to: datetime) -> SpendingInsights:
    """The insights of one customer (already authorised) over a checked period."""
    start, end, previous = checked_period(period_from, period_to)
    conn = connections.get("default")
    pg = is_postgres(conn)
    rows = await fetch(conn, _statement(pg), [customer_id, previous, end, start])
    by_dim: dict[str, list[InsightLine]] = {"TOTAL": [], "CATEGORY": [], "MERCHANT": [], "MONTH": []}
    for row in rows:  # grouped rows (a handful per view), never payments
        by_dim[row["dim"]].append(_month_line(row) if row["dim"] == "MONTH" else _line(row))
    return SpendingInsights(
        customer_id=customer_id, period_from=start, period_to=end, previous_from=previous,
        totals=_ordered(by_dim["TOTAL"]), categories=_ordered(by_dim["CATEGORY"]),
        merchants=_ordered(by_dim["MERCHANT"]), months=sorted(by_dim["MONTH"], key=lambda line: (line.currency, line.key)),
    )


async def spending_insights(*, principal: Principal, customer_id: uuid.UUID | None, period_from: datetime,
                            period_to: datetime) -> SpendingInsights:
    """spendingInsights: the caller's customer (NOT_FOUND for another partner's, or another customer's token)."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    return await customer_insights(customer.id, period_from, period_to)


async def spent_in_categories(*, customer_id: uuid.UUID, mccs: list[str], currency: str, since: datetime,
                              until: datetime) -> int:
    """What the customer spent (net of refunds) in `currency` at merchants of these categories in [since, until)."""
    if not mccs:
        return 0
    conn = connections.get("default")
    marks = ", ".join(f"${5 + i}" for i in range(len(mccs)))
    rows = await fetch(
        conn,
        f"SELECT COALESCE(SUM(s.net), 0) AS spent FROM ({_SPENDING}) s JOIN merchant m ON m.id = s.merchant_id"
        f" WHERE s.currency = $4 AND m.mcc IN ({marks})",
        [customer_id, since, until, currency, *mccs],
    )
    return int(rows[0]["spent"] or 0)
