"""Handing rail transfers to their rail, after their posting committed (the rail jobs and the start of a transfer).

Submission is idempotent by the transfer's id: a rail must treat it as its
idempotency key (the simulated rail does), so two workers submitting the same
transfer at once, or a crash between the rail's answer and our update, can
never move the money twice. A transfer whose transaction AML holds is not
submitted: it waits (AWAITING_REVIEW) until compliance releases it
(services.rails.review). A card the processor declines at once fails at once.
"""

from __future__ import annotations

import uuid

from tortoise import connections
from tortoise.transactions import in_transaction

from models import AmlAlert, RailTransfer
from services import clock
from services.db.sql import execute
from services.events import record_domain_event
from services.ledger.announce import money
from services.rails.interface import FAILED, RailEvent, RailInstruction
from services.rails.outcomes import apply_rail_event
from services.rails.registry import known_rail_names, rail_named

BATCH = 50


async def submit_waiting(*, limit: int = BATCH, rounds: int = 1) -> int:
    """Submit SUBMITTING transfers, oldest first, `limit` a round for up to `rounds` rounds (stopping once a round
    finds fewer than `limit`); how many the rails accepted or refused."""
    done = 0
    for _ in range(rounds):
        # Only rails this process knows: another host's rail (or one not configured here) must not fill every
        # batch with transfers this process cannot submit, and starve the rest behind them.
        waiting = await RailTransfer.filter(status="SUBMITTING", rail__in=known_rail_names()).order_by(
            "created_at").limit(limit)
        for transfer in waiting:
            done += await submit_transfer(transfer.id)
        if len(waiting) < limit:
            break
    return done


async def submit_transfer(transfer_id: uuid.UUID) -> int:
    """Submit one SUBMITTING transfer (1 when the rail answered, 0 when there was nothing to do)."""
    transfer = await RailTransfer.get_or_none(id=transfer_id, status="SUBMITTING")
    if transfer is None:
        return 0
    conn = connections.get("default")
    if await AmlAlert.filter(transaction_id=transfer.transaction_id, action="HOLD", status="OPEN").exists():  # type: ignore[attr-defined]
        # AML holds the money: nothing reaches the rail before compliance releases it.
        await execute(conn, "UPDATE rail_transfer SET status = 'AWAITING_REVIEW', updated_at = $1"
                            " WHERE id = $2 AND status = 'SUBMITTING'", [clock.now(), transfer.id])
        return 0
    rail = rail_named(transfer.rail)
    if rail is None:
        return 0  # a rail this process does not know: another host's, or misconfigured (left SUBMITTING)
    answer = await rail.submit(RailInstruction(
        transfer_id=transfer.id, direction=transfer.direction, source_kind=transfer.source_kind,
        source_id=transfer.source_id, amount_minor=transfer.amount_minor, currency=transfer.currency,
    ))
    if answer.reference is None:
        # Declined at once (a card): the reference is our own id, so the failure is applied like any other.
        await _set_reference(transfer, f"refused_{transfer.id.hex}")
        await apply_rail_event(RailEvent(rail=transfer.rail, reference=f"refused_{transfer.id.hex}", status=FAILED,
                                         reason_code=answer.refused_reason))
        return 1
    await _set_reference(transfer, answer.reference, announce=True)
    return 1


async def _set_reference(transfer: RailTransfer, reference: str, *, announce: bool = False) -> bool:
    """SUBMITTING -> SUBMITTED with the rail's reference (and its event); False when another worker did it first."""
    async with in_transaction() as conn:
        changed = await execute(
            conn, "UPDATE rail_transfer SET status = 'SUBMITTED', rail_reference = $1, submitted_at = $2, updated_at = $2"
                  " WHERE id = $3 AND status = 'SUBMITTING'", [reference, clock.now(), transfer.id])
        if changed == 1 and announce:
            await record_domain_event(
                type="rail_transfer.submitted", partner_id=transfer.partner_id, object_type="RailTransfer",  # type: ignore[attr-defined]
                object_id=transfer.id, payload={"railTransferId": str(transfer.id),
                                                "transactionId": str(transfer.transaction_id),  # type: ignore[attr-defined]
                                                "amount": money(transfer.amount_minor, transfer.currency)},
                using_db=conn)
    return changed == 1
