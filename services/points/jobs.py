"""The points programmes' scheduled work, run by the dispatcher's sweep (services.webhooks.dispatcher).

Each round expires due lots (services.points.expiry) and claws back the points of payments reversed since
(transactionReverse does not know about points: the sweep finds them). Every step is idempotent, so several hosts
may run the same round.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import connections

from services import clock
from services.db.sql import as_uuid, fetch
from services.points.clawback import claw_back
from services.points.expiry import expire_due

BATCH = 200
# Lots of reversed payments not yet clawed back for that reversal.
REVERSED_NOT_CLAWED = (
    "SELECT DISTINCT l.source_id AS payment_id, p.amount_minor, t.reversed_by FROM points_lot l"
    " JOIN payment p ON p.id = l.source_id JOIN ledger_transaction t ON t.id = p.transaction_id"
    " WHERE t.reversed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM points_clawback c"
    "  WHERE c.lot_id = l.id AND c.source_id = t.reversed_by) LIMIT $1"
)


async def claw_back_reversed(*, limit: int = BATCH) -> int:
    """Claw back all the points of payments whose transaction was reversed; how many lots were clawed."""
    rows = await fetch(connections.get("default"), REVERSED_NOT_CLAWED, [limit])
    done = 0
    for row in rows:
        # A reversal undoes the whole payment: everything it earned is asked back.
        done += len(await claw_back(payment_id=as_uuid(row["payment_id"]), refunded_total_minor=int(row["amount_minor"]),
                                    source_id=as_uuid(row["reversed_by"])))
    return done


async def run_points_jobs(*, now: datetime | None = None) -> tuple[int, int]:
    """One round: expire due points, then claw back reversed payments' points; (points expired, lots clawed)."""
    expired = await expire_due(now=now or clock.now())
    clawed = await claw_back_reversed()
    return expired, clawed
