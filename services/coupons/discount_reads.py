"""A payment's coupons and the payer's points, read in one statement when both are asked for (issue 15).

Why: a payment with a coupon and points read its coupons (services.coupons.reserving) and then the payer's holding
(services.points.holdings) before its posting: three round trips where a plain payment makes one, and each round trip
costs the server a send, a wake-up and a receive, and PostgreSQL a statement. The two reads need nothing from each
other, so they go as one UNION ALL: `part` 0 rows are the coupons, `part` 1 rows the holding, each with the columns of
its own read (the other's are NULL). Nothing is locked: the payment's claims re-check every row when they lock it.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import connections

from services.coupons.reserving import COUPON_COLUMNS, COUPON_SELECT, coupons_from
from services.db.sql import fetch
from services.points.holdings import HOLDING_COLUMNS, HOLDING_SELECT, holding_from

_COUPONS, _POINTS = 0, 1


def _nulls(names: tuple[str, ...]) -> str:
    """The other read's columns, NULL in this part (their types come from the part that has them)."""
    return ", ".join(f"NULL AS {name}" for name in names)


async def read_coupons_and_points(customer_id: uuid.UUID, coupon_ids: list[uuid.UUID],
                                  program_id: uuid.UUID) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of reserving.decide's read and of holdings.holding's, in one round trip: (coupons, holding)."""
    sql = (f"SELECT {_COUPONS} AS part, {COUPON_SELECT}, {_nulls(HOLDING_COLUMNS)} {coupons_from(1, 3, len(coupon_ids))}"
           f" UNION ALL SELECT {_POINTS}, {_nulls(COUPON_COLUMNS)}, {HOLDING_SELECT} {holding_from(2, 1)}"
           " ORDER BY part, earned_at, lot_id")  # the holding's lots oldest first, as holding() reads them
    rows = await fetch(connections.get("default"), sql, [customer_id, program_id, *coupon_ids])
    return [r for r in rows if r["part"] == _COUPONS], [r for r in rows if r["part"] == _POINTS]
