"""What the daily rollups hold, and the raw SQL that computes each from the ledger for any span of days.

One definition serves both sides: the rollup job stores a closed day's raw
result (INSERT ... SELECT of this SQL) and the reports compute the days not
rolled yet with the same SQL, so a rollup cannot disagree with the ledger it
was taken from. Only POSTED transactions of LIVE partners count: a HELD one
may still be rejected (its release takes its day out of the rollups, see
services.reporting.rollup), a REJECTED one moved nothing, sandbox money is
never real.

Every statement takes $1 and $2, the span's first instant and the instant
after it (UTC), and, with a partner filter, $3.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import is_postgres

# Points are not money: their postings (earn, redeem, expire...) are counted by the points programme, not here.
POINTS_KINDS = ("POINTS_EARN", "POINTS_CLAWBACK", "POINTS_REDEEM", "POINTS_EXPIRY", "POINTS_RETURN")


@dataclass(frozen=True)
class Fact:
    """One rollup table: its key columns besides the period and its summed measures."""

    table: str
    period_column: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every stored column but the id, in insert order."""
        return (self.period_column, *self.dimensions, *self.measures)


VOLUME = Fact("report_day_volume", "day", ("partner_id", "kind", "currency"), ("txn_count", "amount_minor"))
REVENUE = Fact("report_day_revenue", "day", ("partner_id", "currency"),
               ("fee_minor", "merchant_fee_minor", "fx_revenue_minor", "partner_share_minor"))
MERCHANT = Fact("report_day_merchant", "day", ("partner_id", "merchant_id", "currency"), ("txn_count", "amount_minor"))
ACTIVE = Fact("report_day_wallet", "day", ("partner_id", "wallet_id", "customer_id"), ())
FACTS = (VOLUME, REVENUE, MERCHANT, ACTIVE)


def period_of(conn: BaseDBAsyncClient, column: str, length: int) -> str:
    """SQL for the UTC day (length 10) or month (7) of a timestamp column, as text."""
    if is_postgres(conn):
        return f"to_char({column} AT TIME ZONE 'UTC', '{'YYYY-MM-DD' if length == 10 else 'YYYY-MM'}')"
    return f"substr({column}, 1, {length})"  # SQLite keeps timestamps as UTC ISO text


def _partner_filter(column: str, by_partner: bool) -> str:
    # $3: the partner a staff member chose to look at (the reports' partnerId), the value given by
    # services.scoping.chosen_partner_clause; staff read every partner, so this narrows a view, not a tenant.
    return f" AND {column} = $3" if by_partner else ""


def _posted_in_span(pg: bool) -> str:
    # The span's POSTED transactions first, then everything else joined to them by key: without this fence
    # PostgreSQL may start from the other end (every entry of a partner-revenue account, every payment) and read
    # the whole history to keep one day of it (seen: 5.8 s instead of milliseconds on 1,000,000 transactions).
    columns = ("id, partner_id, kind, currency, amount_minor, fee_minor, fee_breakdown, from_wallet_id, to_wallet_id,"
               " created_at")
    return (f"WITH t_span AS {'MATERIALIZED ' if pg else ''}(SELECT {columns} FROM ledger_transaction"
            " WHERE status = 'POSTED' AND created_at >= $1 AND created_at < $2) ")


def raw_sql(conn: BaseDBAsyncClient, fact: Fact, *, by_partner: bool) -> str:
    """The SELECT that computes a fact's rows (its columns, in order) from the ledger for one span."""
    pg = is_postgres(conn)
    return _posted_in_span(pg) + _select(conn, fact, by_partner=by_partner, pg=pg)


def _select(conn: BaseDBAsyncClient, fact: Fact, *, by_partner: bool, pg: bool) -> str:
    day = period_of(conn, "t.created_at", 10)
    live = "JOIN partner p ON p.id = {} AND p.environment = 'LIVE'"
    if fact is VOLUME:
        points = ", ".join(f"'{kind}'" for kind in POINTS_KINDS)
        return (
            f"SELECT {day} AS day, t.partner_id AS partner_id, t.kind AS kind, t.currency AS currency,"
            " COUNT(*) AS txn_count, SUM(t.amount_minor) AS amount_minor"
            f" FROM t_span t {live.format('t.partner_id')}"
            f" WHERE t.kind NOT IN ({points}){_partner_filter('t.partner_id', by_partner)}"
            f" GROUP BY {day}, t.partner_id, t.kind, t.currency"
        )
    if fact is REVENUE:
        def field(path: str) -> str:
            return f"t.fee_breakdown #>> '{{{path.replace('.', ',')}}}'" if pg else f"json_extract(t.fee_breakdown, '$.{path}')"

        merchant_partner = (f"COALESCE(CAST({field('merchant.partner_id')} AS UUID), t.partner_id)" if pg
                            else f"COALESCE({field('merchant.partner_id')}, t.partner_id)")
        merchant_fee = f"CAST({field('merchant.fee_minor')} AS BIGINT)"
        zero = "CAST(0 AS BIGINT)"
        # Each charge once: the payer's fee (fee_minor, on any kind), a merchant's fee (a payment's, given back
        # negative on a refund; the merchant's partner's), what the partners' revenue accounts received (their share
        # of both) and what the FX revenue accounts received (the spread, in the currency bought).
        charges = (
            f"SELECT {day} AS day, t.partner_id AS partner_id, t.currency AS currency, t.fee_minor AS fee,"
            f" {zero} AS mfee, {zero} AS fx, {zero} AS share FROM t_span t WHERE t.fee_minor <> 0"
            f" UNION ALL SELECT {day}, {merchant_partner}, t.currency, {zero}, {merchant_fee}, {zero}, {zero}"
            f" FROM t_span t WHERE t.kind IN ('PAYMENT', 'REFUND') AND {merchant_fee} <> 0"
            f" UNION ALL SELECT {day}, a.partner_id, e.currency, {zero}, {zero}, {zero}, e.amount_minor"
            " FROM t_span t JOIN ledger_entry e ON e.transaction_id = t.id JOIN account a ON a.id = e.account_id"
            " WHERE a.kind = 'PARTNER_REVENUE'"
            f" UNION ALL SELECT {day}, t.partner_id, e.currency, {zero}, {zero}, e.amount_minor, {zero}"
            " FROM t_span t JOIN ledger_entry e ON e.transaction_id = t.id JOIN account a ON a.id = e.account_id"
            " WHERE a.kind = 'FX_REVENUE'"
        )
        return (
            "SELECT c.day AS day, c.partner_id AS partner_id, c.currency AS currency, SUM(c.fee) AS fee_minor,"
            " SUM(c.mfee) AS merchant_fee_minor, SUM(c.fx) AS fx_revenue_minor, SUM(c.share) AS partner_share_minor"
            f" FROM ({charges}) c {live.format('c.partner_id')}"
            f" WHERE 1 = 1{_partner_filter('c.partner_id', by_partner)}"
            " GROUP BY c.day, c.partner_id, c.currency"
        )
    if fact is MERCHANT:
        return (
            f"SELECT {day} AS day, m.partner_id AS partner_id, m.id AS merchant_id, t.currency AS currency,"
            " COUNT(*) AS txn_count, SUM(t.amount_minor) AS amount_minor"
            " FROM t_span t JOIN payment pay ON pay.transaction_id = t.id JOIN merchant m ON m.id = pay.merchant_id"
            f" {live.format('m.partner_id')}"
            f" WHERE t.kind = 'PAYMENT'{_partner_filter('m.partner_id', by_partner)}"
            f" GROUP BY {day}, m.partner_id, m.id, t.currency"
        )
    assert fact is ACTIVE
    day = period_of(conn, "x.created_at", 10)
    points = ", ".join(f"'{kind}'" for kind in POINTS_KINDS)
    touched = " UNION ALL ".join(
        f"SELECT t.created_at AS created_at, t.{side} AS wallet_id FROM t_span t"
        f" WHERE t.kind NOT IN ({points}) AND t.{side} IS NOT NULL"
        for side in ("from_wallet_id", "to_wallet_id")
    )
    # A wallet is its own partner's (a payment to another partner's merchant makes that merchant's wallet active
    # for its partner).
    return (
        f"SELECT DISTINCT {day} AS day, w.partner_id AS partner_id, w.id AS wallet_id, w.customer_id AS customer_id"
        f" FROM ({touched}) x JOIN wallet w ON w.id = x.wallet_id"
        f" {live.format('w.partner_id')} WHERE 1 = 1{_partner_filter('w.partner_id', by_partner)}"
    )
