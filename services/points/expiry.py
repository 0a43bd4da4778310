"""The expiry sweep: lots past their expiry give up what redemptions left of them, oldest first, to the EXPIRED sink.

Run by the dispatcher's sweep (services.points.jobs). Per customer and programme it locks the POINTS account,
derives what the expired lots still hold (services.points.lots: redemptions and earlier expiries consumed lots
oldest first) and books that as one POINTS_EXPIRY posting; then it marks those lots swept. Two hosts sweeping at
once take each point once: the second waits on the lock and finds nothing left.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from models import Account, PointsLot, PointsProgram
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.points.booking import PointsMove, book, lock_points_account
from services.points.holdings import holding
from services.points.reserve import release_excess
from services.points.units import ledger_unit

BATCH = 200


async def expire_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Expire what is due for up to `limit` customers' programmes; the number of points expired."""
    moment = now or clock.now()
    pairs = await PointsLot.filter(expiry_swept=False, expires_at__lte=moment).order_by("expires_at").limit(
        limit).values_list("program_id", "customer_id")
    expired = 0
    for program_id, customer_id in dict.fromkeys(pairs):
        expired += await expire_holding(program_id, customer_id, moment)
    return expired


async def expire_holding(program_id: uuid.UUID, customer_id: uuid.UUID, now: datetime) -> int:
    """Expire one customer's due points in one programme; how many."""
    program = await PointsProgram.get(id=program_id)
    first = await holding(program_id, customer_id, now=now)
    if first.account_id is None:
        return 0
    async with in_transaction() as conn:
        await lock_points_account(conn, first.account_id)
        held = await holding(program_id, customer_id, now=now, conn=conn)  # read again under the lock
        due = min(held.due_points, held.balance)
        if due > 0:
            partner_id = (await Account.get(id=first.account_id).using_db(conn)).partner_id  # type: ignore[attr-defined]
            await book(conn, PointsMove(
                transaction_id=uuid7(), partner_id=partner_id, kind=TransactionKind.POINTS_EXPIRY,
                unit=ledger_unit(program.unit_code), points=due, debit_account_id=first.account_id,
                credit_account_id=program.expired_account_id,  # type: ignore[attr-defined]
                customer_account_id=first.account_id, idempotency_key=f"points-expiry-{first.account_id}-{now.isoformat()}",
                memo=f"points expired: {program.name}", event_type="points.expired", event_object_type="Customer",
                event_object_id=str(customer_id), event_payload={
                    "customerId": str(customer_id), "programId": str(program_id), "points": due},
            ))
            # What funded the expired points goes back to the programme's funding wallet (services.points.reserve).
            await release_excess(conn, program=program, customer_id=customer_id, points_left=held.balance - due,
                                 key=f"expiry-{first.account_id}-{now.isoformat()}")
        await PointsLot.filter(program_id=program_id, customer_id=customer_id, expiry_swept=False,
                               expires_at__lte=now).using_db(conn).update(expiry_swept=True)
    return max(due, 0)
