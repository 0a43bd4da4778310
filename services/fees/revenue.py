"""Fee revenue for bank staff, grouped by partner, kind, currency or day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from services.errors import ValidationFailed
from services.db.sql import fetch, is_postgres

GROUPINGS = ("PARTNER", "KIND", "CURRENCY", "DAY")


@dataclass(frozen=True)
class RevenueLine:
    group: str
    currency: str
    fee_minor: int
    transactions: int  # how many charges: a payment with a payer's and a merchant's fee counts twice
    partner_id: uuid.UUID | None = None  # grouped by PARTNER: the group's partner


def _line(row: Any, group_by: str) -> RevenueLine:
    partner_id = uuid.UUID(str(row["grp"])) if group_by == "PARTNER" and row["grp"] is not None else None
    return RevenueLine(group=str(row["grp"]), currency=row["currency"], fee_minor=int(row["fee"]),
                       transactions=int(row["n"]), partner_id=partner_id)


async def fee_revenue(
    *, occurred_from: datetime, occurred_to: datetime, group_by: str, environment: str = "LIVE"
) -> list[RevenueLine]:
    """Fees charged in [from, to), per group and currency (amounts never mix currencies).

    Only the partners of one environment: LIVE (the default) leaves sandbox partners' test money out.
    """
    if group_by not in GROUPINGS:
        raise ValidationFailed(f"groupBy must be one of {', '.join(GROUPINGS)}", field=["groupBy"])
    if occurred_to <= occurred_from:
        raise ValidationFailed("the period ends before it starts", field=["occurredTo"])
    conn = connections.get("default")
    pg = is_postgres(conn)
    day = "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if pg else "substr(c.created_at, 1, 10)"
    group = {"PARTNER": "c.partner", "KIND": "c.kind", "CURRENCY": "c.currency", "DAY": day}[group_by]

    def field(path: str) -> str:
        """A value of the stored fee breakdown, as text."""
        return f"t.fee_breakdown #>> '{{{path.replace('.', ',')}}}'" if pg else f"json_extract(t.fee_breakdown, '$.{path}')"

    # Each charge once: the payer's fee (fee_minor), and a merchant's fee (charged on a payment, negative when a
    # refund gave it back) from the breakdown's "merchant" part. A fee is its partner's (the breakdown names the
    # partner whose schedule decided it; older rows, the transaction's partner). KIND is the kind the fee was
    # charged as (a cross-country transfer is INTERNATIONAL_TRANSFER). Only POSTED transactions earned their fee:
    # a HELD one may still be rejected, a REJECTED one never paid.
    charges = (
        "SELECT t.created_at, t.currency, COALESCE(" + field("partner_id") + ", CAST(t.partner_id AS TEXT)) AS partner,"
        " COALESCE(" + field("fee_kind") + ", t.kind) AS kind, t.fee_minor AS fee FROM ledger_transaction t"
        " WHERE t.fee_minor <> 0 AND t.status = 'POSTED' AND t.created_at >= $1 AND t.created_at < $2"
        " UNION ALL SELECT t.created_at, t.currency, " + field("merchant.partner_id") + ", 'PAYMENT',"
        " CAST(" + field("merchant.fee_minor") + " AS BIGINT) FROM ledger_transaction t"
        " WHERE t.kind IN ('PAYMENT', 'REFUND') AND t.status = 'POSTED' AND t.created_at >= $1 AND t.created_at < $2"
        " AND CAST(" + field("merchant.fee_minor") + " AS BIGINT) <> 0"
    )
    rows = await fetch(
        conn,
        f"SELECT {group} AS grp, c.currency, SUM(c.fee) AS fee, COUNT(*) AS n FROM ({charges}) c"
        " JOIN partner p ON CAST(p.id AS TEXT) = c.partner WHERE p.environment = $3"
        f" GROUP BY {group}, c.currency ORDER BY 1, 2",
        [occurred_from, occurred_to, environment],
    )
    return [_line(row, group_by) for row in rows]
