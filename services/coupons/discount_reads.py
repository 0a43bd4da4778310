"""A payment's coupons and the payer's points, read in one statement when both are asked for (issue 15).

Why: a payment with a coupon and points read its coupons (services.coupons.reserving) and then the payer's holding
(services.points.holdings) before its posting: three round trips where a plain payment makes one, and each round trip
costs the server a send, a wake-up and a receive, and PostgreSQL a statement. The two reads need nothing from each
other, so they go as one UNION ALL: `part` 0 rows are the coupons, `part` 1 rows the holding, each with the columns of
its own read (the other's are NULL). Nothing is locked: the payment's claims re-check every row when they lock it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise import connections

from services.coupons.reserving import COUPON_COLUMNS, COUPON_SELECT, coupons_from
from services.db.sql import fetch, is_postgres
from services.points.holdings import HOLDING_COLUMNS, holding_select

_COUPONS, _POINTS = 0, 1


def _nulls(names: tuple[str, ...]) -> str:
    """The other read's columns, NULL in this part (their types come from the part that has them)."""
    return ", ".join(f"NULL AS {name}" for name in names)


async def read_coupons_and_points(customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], program_id: uuid.UUID,
                                  now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of reserving.decide's read and of holdings.holding's at `now`, in one round trip: (coupons, holding)."""
    conn = connections.get("default")
    points_part = holding_select(is_postgres(conn), program_param=2, customer_param=1, now_param=3, until_param=3,
                                 leading=f"{_POINTS} AS part, {_nulls(COUPON_COLUMNS)}, ")
    sql = (f"SELECT {_COUPONS} AS part, {COUPON_SELECT}, {_nulls(HOLDING_COLUMNS)}"
           f" {coupons_from(1, 4, len(coupon_ids))} UNION ALL {points_part} ORDER BY part")
    rows = await fetch(conn, sql, [customer_id, program_id, now, *coupon_ids])
    return [r for r in rows if r["part"] == _COUPONS], [r for r in rows if r["part"] == _POINTS]
