"""Points are earned and clawed back from the outbox: `payment.succeeded` and `payment.refunded`, read by one cursor.

Why not inline: the payment's posting commits its `payment.succeeded` event in the same transaction as the money,
so the event is the durable record that points are owed. Reading the outbox (rather than earning right after the
commit in the request) means no earning is lost to a crash or an error between the two (the event stays ahead of
the cursor and is read again), every way a payment succeeds earns the same (paymentCreate, paymentCollect,
authorizationCapture, and a held payment released by compliance), and the payment itself does no points work.

Earning is idempotent (one lot per programme and payment: a unique index), so a round repeated after a crash, or
run by two hosts at once, grants nothing twice. The cursor moves only past events whose earning committed: an
earning that fails stops the round there and is retried next round (logged); it never skips a customer's points.
"""

from __future__ import annotations

import logging
import uuid

from tortoise import connections

from models import DomainEvent, OutboxCursor, Payment, PointsEarnRule, PointsProgram, Refund
from services.db.availability import log_job_failure
from services.outbox_position import Position, after, end_of_final, final, horizon
from services.points.clawback import claw_back_refunded
from services.points.earning import earn, programme_open_to
from services.points.rules import Spend

log = logging.getLogger(__name__)

CURSOR = "points"  # the earning's row in outbox_cursor (the webhook fan-out has its own)
BATCH = 200
FEED_TYPES = ("payment.succeeded", "payment.refunded")


async def _position() -> Position:
    """Where the earning has got to in the outbox (the start, on a new database)."""
    cursor, _ = await OutboxCursor.get_or_create(name=CURSOR)
    return Position(cursor.tx, cursor.event_id)


async def _move(start: Position, end: Position) -> None:
    """Move the cursor from `start` to `end`, unless another host moved it meanwhile (then its move stands)."""
    await OutboxCursor.filter(name=CURSOR, tx=start.tx, event_id=start.event_id).update(tx=end.tx, event_id=end.event_id)


async def settle_points(payment_id: uuid.UUID) -> None:
    """Bring a payment's points up to date: earned (once), and clawed back for what its refunds so far ask."""
    await earn_for_succeeded_payment(payment_id)
    # A refund read here whose own event is later in the outbox is clawed now: that event then finds nothing
    # more to ask (clawing is cumulative). Read after earning, so a refund committed meanwhile is never missed.
    await claw_back_refunded(payment_id)


async def earn_for_succeeded_payment(payment_id: uuid.UUID) -> None:
    """Grant the points one succeeded payment earns, at the payment's own time (month caps, campaign windows)."""
    payment = await Payment.get_or_none(id=payment_id).prefetch_related("merchant", "payer_wallet__customer")
    if payment is None:
        return  # not a payment row (never expected: the event is written with it)
    merchant = payment.merchant
    spend = Spend(kind="PAYMENT", amount_minor=payment.amount_minor, at=payment.created_at, mcc=merchant.mcc,
                  merchant_id=merchant.id)
    await earn(customer=payment.payer_wallet.customer, currency=payment.currency, spend=spend, source_id=payment.id)


async def earn_round(*, batch: int = BATCH) -> int:
    """Earn the points of up to `batch` new payment.succeeded events and move the cursor; how many events were read."""
    start = await _position()
    connection = connections.get("default")
    below = await horizon(connection)
    # SQLite: the last id committed now, read before the events, so that the cursor never steps past an event
    # committed after the read (one writer at a time: later events get larger ids).
    last_id = 0 if below is not None else await _last_event_id()
    query = final(after(DomainEvent.filter(type__in=FEED_TYPES), start), below)
    if below is None:
        query = query.filter(id__lte=last_id)
    rows = await query.order_by("tx", "id").limit(batch).values("id", "tx", "object_id", "payload")
    # Only a payment in a currency some programme values its points in can earn, or have earned (so have points
    # to claw back): one read a round instead of a payment's worth of reads an event (0.4 ms of server CPU a
    # payment in bench/transfers.py --payments, with no programme at all). Read after the events: a programme
    # committed before a payment was is seen, as when each payment looked for itself.
    earning = await _programme_currencies() if rows else set()
    # Nor can a payment earn unless a programme open to its payer (the payer's partner's, or the bank's) has an
    # ACTIVE PAYMENT rule in its currency now (what earning reads), and one without a refund has nothing to claw
    # back: three reads a round instead of about seven a payment (1.5 ms of server CPU a payment in
    # bench/transfers.py --all-paths, whose programme's rule is retired; in a database shared by many partners,
    # most payments' partners run no programme). A refund committed after this read has its own event after these
    # rows: a later round claws it back.
    valued = [r["object_id"] for r in rows if _currency(r["payload"]) in earning]
    ruled = await _ruled_scopes() if valued else set()
    payers = await _payer_partners(valued) if ruled else {}
    may_earn = {r["object_id"] for r in rows if r["object_id"] in payers
                and any(currency == _currency(r["payload"]) and programme_open_to(owner, payers[r["object_id"]])
                        for owner, currency in ruled)}
    refunded = await _refunded([named for named in valued if named not in may_earn])
    end = start
    done: set[str] = set()
    for row in rows:
        currency = _currency(row["payload"])
        if (row["object_id"] not in done and currency is not None and row["object_id"] not in may_earn
                and row["object_id"] not in refunded):
            # Nothing to earn (no programme open to its payer has an ACTIVE rule in its currency), nothing to claw
            # back.
            done.add(row["object_id"])
        if row["object_id"] not in done:  # a payment between two partners has one event for each
            try:
                await settle_points(uuid.UUID(row["object_id"]))
            except Exception as exc:  # noqa: BLE001 - stop here: the cursor stays before this event, which is retried
                # A database outage is one line (it is expected and the round retries); anything else is a bug.
                log_job_failure(log, f"points for payment {row['object_id']} (not granted yet)", exc)
                await _move(start, end)
                return len(done)
            done.add(row["object_id"])
        end = Position(row["tx"], row["id"])
    if len(rows) < batch:  # everything final is read: step past it (other events' types included)
        end = max(end, end_of_final(below, last_id))
    if end != start:
        await _move(start, end)
    return len(rows)


async def _programme_currencies() -> set[str]:
    """The currencies points programmes value their points in (retired ones included: their lots can be clawed)."""
    return set(await PointsProgram.all().values_list("value_currency", flat=True))


async def _ruled_scopes() -> set[tuple[uuid.UUID | None, str]]:
    """(owning partner, or None for the bank's, currency) of the programmes with an ACTIVE PAYMENT earn rule."""
    active = PointsEarnRule.filter(status="ACTIVE", kind="PAYMENT")
    return set(await active.values_list("program__partner_id", "program__value_currency"))


async def _payer_partners(payment_ids: list[str]) -> dict[str, uuid.UUID]:
    """The payer's partner of each of these payments (ids as the events name them; unknown ones left out)."""
    ids = _uuids(payment_ids)
    if not ids:
        return {}
    payments = Payment.filter(id__in=ids)
    return {str(payment_id): payer_partner for payment_id, payer_partner in await payments.values_list("id", "partner_id")}


async def _refunded(payment_ids: list[str]) -> set[str]:
    """Which of these payments (ids as the events name them) have a refund."""
    ids = _uuids(payment_ids)
    if not ids:
        return set()
    return {str(i) for i in await Refund.filter(payment_id__in=ids).values_list("payment_id", flat=True)}


def _uuids(named: list[str]) -> set[uuid.UUID]:
    """The ids events name, as UUIDs (an unreadable one is left out: settle_points meets it and logs it)."""
    ids = set()
    for one in named:
        try:
            ids.add(uuid.UUID(one))
        except ValueError:
            continue  # never expected (the payment's own id)
    return ids


def _currency(payload: object) -> str | None:
    """The currency of a payment.succeeded or payment.refunded event (its `amount` Money); None if unreadable."""
    amount = payload.get("amount") if isinstance(payload, dict) else None
    return amount.get("currency") if isinstance(amount, dict) else None


async def _last_event_id() -> int:
    """SQLite: the largest event id committed (one writer at a time: later events get larger ids)."""
    last = await DomainEvent.all().order_by("-id").first().values_list("id", flat=True)
    return int(last or 0)


async def earn_pending() -> int:
    """Run rounds until the outbox's final events are all read; how many events were read in all."""
    total = 0
    while (read := await earn_round()) == BATCH:
        total += read
    return total + read
