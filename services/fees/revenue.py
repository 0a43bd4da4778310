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
    transactions: int
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
    day = "to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if is_postgres(conn) else "substr(t.created_at, 1, 10)"
    # KIND is the kind the fee was charged as (a cross-country transfer is
    # INTERNATIONAL_TRANSFER), kept in the transaction's fee breakdown.
    fee_kind = "t.fee_breakdown->>'fee_kind'" if is_postgres(conn) else "json_extract(t.fee_breakdown, '$.fee_kind')"
    group = {
        "PARTNER": "CAST(t.partner_id AS TEXT)", "KIND": f"COALESCE({fee_kind}, t.kind)", "CURRENCY": "t.currency", "DAY": day,
    }[group_by]
    rows = await fetch(
        conn,
        f"SELECT {group} AS grp, t.currency, SUM(t.fee_minor) AS fee, COUNT(*) AS n FROM ledger_transaction t"
        " JOIN partner p ON p.id = t.partner_id"
        # Only POSTED transactions earned their fee: a HELD one may still be rejected, a REJECTED one never paid.
        " WHERE t.fee_minor > 0 AND t.status = 'POSTED' AND t.created_at >= $1 AND t.created_at < $2"
        " AND p.environment = $3"
        f" GROUP BY {group}, t.currency ORDER BY 1, 2",
        [occurred_from, occurred_to, environment],
    )
    return [_line(row, group_by) for row in rows]
