"""Points taken back when their payment is refunded (in proportion) or reversed (all of them), never below zero.

A refund's clawback runs from the outbox (services.points.earn_feed reads its `payment.refunded` event), for the
same reason earning does (services.points.earning): durably, after the refund's posting commits. A reversal
of a payment is found by the points sweep (services.points.jobs), so the reversal service needs no change.
What is asked back is cumulative (services.points.rules.clawback_points); what is taken is at most what the
customer's POINTS account holds, and the rest is the clawback row's shortfall.
"""

from __future__ import annotations

import logging
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Account, PointsAccount, PointsClawback, PointsLot, PointsProgram, Refund
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.points.booking import PointsMove, book, lock_points_account
from services.points.reserve import release_excess
from services.points.rules import clawback_points
from services.points.units import ledger_unit

log = logging.getLogger(__name__)


async def claw_back_refunded(payment_id: uuid.UUID) -> list[PointsClawback]:
    """Take back the share of the payment's points that its refunds so far ask (the latest refund is the source)."""
    refunds = await Refund.filter(payment_id=payment_id).order_by("created_at", "id").values("amount_minor", "transaction_id")
    if not refunds:
        return []
    total = sum(int(r["amount_minor"]) for r in refunds)
    return await claw_back(payment_id=payment_id, refunded_total_minor=total, source_id=refunds[-1]["transaction_id"])


async def claw_back(*, payment_id: uuid.UUID, refunded_total_minor: int, source_id: uuid.UUID) -> list[PointsClawback]:
    """One clawback row per lot the payment earned, taking back what `refunded_total_minor` of it takes."""
    rows = []
    for lot in await PointsLot.filter(source_id=payment_id).all():
        row = await _claw_lot(lot.id, refunded_total_minor, source_id)
        if row is not None:
            rows.append(row)
    return rows


async def _claw_lot(lot_id: uuid.UUID, refunded_total_minor: int, source_id: uuid.UUID) -> PointsClawback | None:
    """Claw one lot back under its customer's account lock; None when nothing more is asked or already done."""
    lot = await PointsLot.get(id=lot_id)
    program = await PointsProgram.get(id=lot.program_id)  # type: ignore[attr-defined]
    holder = await PointsAccount.get(program_id=program.id, customer_id=lot.customer_id)  # type: ignore[attr-defined]
    account_id = holder.account_id  # type: ignore[attr-defined]
    partner_id = (await Account.get(id=account_id)).partner_id  # type: ignore[attr-defined]  # the customer's partner
    try:
        async with in_transaction() as conn:
            balance = await lock_points_account(conn, account_id)
            lot = await PointsLot.get(id=lot_id).using_db(conn)  # read again under the lock
            asked = await PointsClawback.filter(lot_id=lot.id).using_db(conn).values_list("requested_points", flat=True)
            requested = clawback_points(earned=lot.earned_points, already_clawed=sum(int(a) for a in asked),
                                        spend_minor=lot.spend_minor, refunded_total_minor=refunded_total_minor)
            if requested <= 0:
                return None
            taken = min(requested, max(balance, 0))  # never below zero: the rest is the shortfall
            transaction_id = uuid7() if taken else None
            row = await PointsClawback.create(
                lot_id=lot.id, source_id=source_id, requested_points=requested, clawed_points=taken,
                shortfall_points=requested - taken, transaction_id=transaction_id, created_at=clock.now(), using_db=conn,
            )
            await PointsLot.filter(id=lot.id).using_db(conn).update(clawed_points=lot.clawed_points + taken)
            if transaction_id is not None:
                await book(conn, PointsMove(
                    transaction_id=transaction_id, partner_id=partner_id,
                    kind=TransactionKind.POINTS_CLAWBACK, unit=ledger_unit(program.unit_code), points=taken,
                    debit_account_id=account_id, credit_account_id=program.issuance_account_id,  # type: ignore[attr-defined]
                    customer_account_id=account_id, idempotency_key=f"points-clawback-{source_id}",
                    memo=f"points clawed back: {program.name}", event_type="points.clawed_back",
                    event_object_type="Customer", event_object_id=str(lot.customer_id),  # type: ignore[attr-defined]
                    event_payload={"customerId": str(lot.customer_id), "programId": str(program.id),  # type: ignore[attr-defined]
                                   "points": taken, "shortfallPoints": requested - taken, "transactionId": str(source_id)},
                ))
                # What funded the clawed-back points goes back to the funding wallet (services.points.reserve).
                await release_excess(conn, program=program, customer_id=lot.customer_id,  # type: ignore[attr-defined]
                                     points_left=balance - taken, key=f"clawback-{source_id}-{lot.id}")
    except IntegrityError:
        return None  # this refund or reversal was clawed back meanwhile (one row per lot and source)
    return row

