"""The webhook dispatcher: fan domain events out into deliveries, claim due deliveries, send, record, retry.

Crash safety (at least once, never lost):
- Fan-out is one transaction per batch: lock the fan-out's cursor row
  (SKIP LOCKED: one dispatcher fans out at a time, the others only send), read
  the next final events in position order (services.outbox_position), insert
  one delivery per matching enabled endpoint, move the cursor. A crash before
  commit repeats the round; the unique (endpoint, message_id) pair stops a
  repeat from doubling a delivery. No event row is ever updated.
- A delivery is claimed by taking a short lease (`lease_until`) in its own
  transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share
  the work); the HTTP call happens outside any transaction; the result is
  written only if no other dispatcher recorded this attempt first. A crash after sending and before
  recording lets the lease lapse and the delivery is sent again with the same
  webhook-id, which receivers use to drop the repeat.
SQLite runs one process (one serialised connection), where the lease alone suffices.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import DomainEvent, OutboxCursor, WebhookDelivery, WebhookEndpoint
from models.ids import uuid7
from services.db.availability import log_job_failure
from services.db.sql import execute, fetch
from services.event_catalogue import BROADCAST_EVENT_TYPES, PARTNER_EVENT_TYPES
from services.event_feed import WEBHOOK_CURSOR
from services.retention import IDEMPOTENCY_DEFAULT_HOURS, purge_expired
from services.events import record_domain_event
from services.payments.authorizations import expire_due
from services.rails.jobs import run_rail_jobs
from services.points.earn_feed import earn_pending
from services.points.jobs import run_points_jobs
from services.merchants.settlement import settle_due
from services.business.payout_decisions import expire_due as expire_payout_requests  # issue 16 part 6
from services.scoping import events_of_partners, of_partner
from services.outbox_position import Position, after, end_of_final, final, horizon
from services.webhooks import config
from services.webhooks.body import PayloadConverter, build_body
from services.webhooks.endpoints import ENABLED, FAILING, signing_secrets, subscribes_to
from services.webhooks.schedule import ENDPOINT_FAILING_DISABLE_AFTER, next_attempt_at
from services.webhooks.sender import SendResult, build_client, post, refusal
from services.webhooks.signing import signed_headers
from services.metrics import observe_webhook_delivered  # issue 17 part 5

log = logging.getLogger("qianbao.webhooks")
FAN_OUT_BATCH = 200
CLAIM_BATCH = 50
LEASE = timedelta(seconds=60)  # far beyond one attempt's total timeout
CONCURRENCY = 20  # deliveries in flight at once: a slow endpoint holds one slot, not the queue
POLL_INTERVAL_S = 1.0
PURGE_EVERY = timedelta(hours=1)
SWEEP_EVERY = timedelta(seconds=10)  # the authorisation expiry sweep and the rail jobs (services.rails.jobs) run this often
FAILING_REASON = "disabled after failing every delivery attempt for more than 24 hours"
PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"
CURSOR = WEBHOOK_CURSOR  # the fan-out's row in outbox_cursor
_MESSAGE_NAMESPACE = uuid.UUID("6b1f0d1e-3c1a-4b6e-9a53-7177616e6261")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def message_id(event_id: int) -> str:
    """The webhook-id of an event: stable (the same for every attempt and every endpoint), not a counter."""
    return "msg_" + uuid.uuid5(_MESSAGE_NAMESPACE, str(event_id)).hex


async def _cursor(connection: BaseDBAsyncClient) -> OutboxCursor | None:
    """The fan-out's cursor, locked for this transaction; None while another dispatcher holds it (it fans out then)."""
    rows = await OutboxCursor.filter(name=CURSOR).select_for_update(skip_locked=True).using_db(connection)
    if rows:
        return rows[0]
    await OutboxCursor.get_or_create(name=CURSOR, using_db=connection)  # first run on a new database
    rows = await OutboxCursor.filter(name=CURSOR).select_for_update(skip_locked=True).using_db(connection)
    return rows[0] if rows else None


async def fan_out(*, now: datetime, wire: PayloadConverter, batch: int = FAN_OUT_BATCH) -> int:
    """Turn up to `batch` new final events into deliveries and move the cursor past them; how many events were read.

    One transaction: the events read, the deliveries inserted and the cursor
    moved commit together, so a crash repeats the round and the unique
    (endpoint, message_id) pair stops a repeat from doubling a delivery. Events
    of partners without an enabled endpoint are never read: the cursor steps
    over them (a new endpoint receives the events that follow its creation).
    """
    async with in_transaction() as connection:
        cursor = await _cursor(connection)
        if cursor is None:
            return 0
        start = Position(cursor.tx, cursor.event_id)
        below = await horizon(connection)
        endpoints = await WebhookEndpoint.filter(status=ENABLED).using_db(connection)
        partner_ids = sorted({e.partner_id for e in endpoints}, key=str)  # type: ignore[attr-defined]
        rows: list[dict] = []
        if endpoints:
            wanted = events_of_partners(DomainEvent, partner_ids, broadcast_types=BROADCAST_EVENT_TYPES)
            query = final(after(wanted, start), below).using_db(connection)
            rows = await query.order_by("tx", "id").limit(batch).values(
                "id", "tx", "partner_id", "type", "payload", "occurred_at")
        if len(rows) == batch:
            end = Position(rows[-1]["tx"], rows[-1]["id"])
        else:  # everything final up to the horizon is handled (on SQLite: up to the last id now committed)
            last_id = 0 if below is not None else await _last_event_id(connection)
            end = max(start, end_of_final(below, last_id))
        deliveries = [
            _delivery(event, endpoint, now=now, wire=wire)
            for event in rows for endpoint in endpoints if _routes(event, endpoint)
        ]
        if deliveries:
            await WebhookDelivery.bulk_create(deliveries, ignore_conflicts=True, using_db=connection)
        if end != start:
            await OutboxCursor.filter(name=CURSOR).using_db(connection).update(tx=end.tx, event_id=end.event_id)
    return len(rows)


async def _last_event_id(connection: BaseDBAsyncClient) -> int:
    """The largest event id committed (SQLite: every later event will have a larger one)."""
    rows = await fetch(connection, "SELECT COALESCE(MAX(id), 0) AS m FROM domain_event", [])
    return int(rows[0]["m"])


def _routes(event: dict, endpoint: WebhookEndpoint) -> bool:
    """Whether the event goes to the endpoint: the endpoint's partner's own (or a broadcast) type it subscribes to."""
    owner = event["partner_id"]
    mine = of_partner(endpoint.partner_id, owner) or (owner is None and event["type"] in BROADCAST_EVENT_TYPES)  # type: ignore[attr-defined]
    return mine and event["type"] in PARTNER_EVENT_TYPES and subscribes_to(endpoint, event["type"])


def _delivery(event: dict, endpoint: WebhookEndpoint, *, now: datetime, wire: PayloadConverter) -> WebhookDelivery:
    """The pending delivery of one event to one endpoint, with the exact body every attempt will send."""
    body = build_body(event_type=event["type"], payload=_as_dict(event["payload"]), occurred_at=event["occurred_at"],
                      wire=wire, sequence=event["id"])
    return WebhookDelivery(
        id=uuid7(), partner_id=endpoint.partner_id, endpoint_id=endpoint.id, event_id=event["id"],  # type: ignore[attr-defined]
        message_id=message_id(event["id"]), event_type=event["type"], body=body.decode(), next_attempt_at=now,
    )


def _as_dict(payload: object) -> dict:
    """A payload as .values() returns it: a dict, or its JSON text on some backends."""
    if isinstance(payload, (str, bytes)):
        return json.loads(payload)
    return dict(payload or {})  # type: ignore[call-overload]


async def claim_due(*, now: datetime, batch: int | None = None) -> list[WebhookDelivery]:
    """Lease up to `batch` (CLAIM_BATCH) due deliveries of enabled endpoints to this dispatcher."""
    batch = batch or CLAIM_BATCH
    async with in_transaction() as connection:
        due = await (
            WebhookDelivery.filter(status=PENDING, next_attempt_at__lte=now, endpoint__status=ENABLED)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).order_by("next_attempt_at").limit(batch)
            .select_for_update(skip_locked=True, of=("webhook_delivery",)).using_db(connection)
        )
        if due:
            await WebhookDelivery.filter(id__in=[d.id for d in due]).using_db(connection).update(lease_until=now + LEASE)
    for delivery in due:
        delivery.lease_until = now + LEASE
    return due


@dataclass
class _Target:
    """One endpoint as a round sends to it: read, its secrets opened and its URL checked once per round."""

    endpoint: WebhookEndpoint
    secrets: list[str]
    refused: str | None  # why its URL may not be sent to this round (None: it may)
    broken: Exception | None = None  # its secrets could not be opened: each attempt fails on our side
    succeeded: int = 0
    failed: int = 0
    gave_up: int = 0


async def _targets(claimed: list[WebhookDelivery], *, now: datetime) -> dict[uuid.UUID, _Target]:
    """The endpoints of the claimed deliveries, each prepared once: a round's deliveries mostly share a few."""
    endpoint_ids = {d.endpoint_id for d in claimed}  # type: ignore[attr-defined]
    targets: dict[uuid.UUID, _Target] = {}
    for endpoint in await WebhookEndpoint.filter(id__in=list(endpoint_ids)):
        # The URL is checked again every round, not only at creation: its name can be re-pointed since.
        refused = await refusal(endpoint.url, production=config.is_production(), allow_private=config.allow_private_urls())
        try:
            targets[endpoint.id] = _Target(endpoint, await signing_secrets(endpoint, now=now), refused)
        except Exception as exc:  # noqa: BLE001 - a secret that does not decrypt fails this endpoint's attempts only
            targets[endpoint.id] = _Target(endpoint, [], refused, broken=exc)
    return targets


# One statement per attempt, written by hand: the ORM's query building was a quarter of the worker's CPU.
# The guard (this attempt, still PENDING) lets only one dispatcher record an attempt after a lapsed lease.
_RECORD_SQL = (
    "UPDATE webhook_delivery SET status = $1, attempt = $2, lease_until = NULL, last_attempt_at = $3,"
    " last_response_status = $4, last_response_body = $5, last_error = $6, last_latency_ms = $7,"
    " next_attempt_at = COALESCE($8, next_attempt_at) WHERE id = $9 AND attempt = $10 AND status = 'PENDING'"
)


async def _record(delivery: WebhookDelivery, result: SendResult, *, now: datetime, rng: random.Random | None) -> str:
    """Write the attempt's outcome (unless another dispatcher recorded this attempt first); the new status."""
    attempt = delivery.attempt + 1
    status, retry_at = SUCCEEDED, None
    if not result.succeeded:
        retry_at = next_attempt_at(attempt=attempt, now=now, rng=rng)
        status = FAILED if retry_at is None else PENDING
    updated = await execute(connections.get("default"), _RECORD_SQL, [
        status, attempt, now, result.status, result.body, result.error, result.latency_ms, retry_at,
        delivery.id, delivery.attempt])
    if not updated:
        return "LOST_LEASE"  # another dispatcher took it over after our lease lapsed; its result counts
    if result.succeeded:
        observe_webhook_delivered(delivery.body, delivery.created_at, now)  # issue 17 part 5: delivery lag
    return status


async def _endpoint_health(target: _Target, *, now: datetime) -> None:
    """After a round: track how long the endpoint has failed; disable it when a delivery gave up after a day of failing.

    Once per endpoint and round rather than per delivery (a statement per event
    was a third of the worker's database work). A round with any success ends a
    failing streak; a round of failures only starts one if none was running.
    """
    endpoint = target.endpoint
    if target.succeeded:
        if endpoint.failing_since is not None:
            await WebhookEndpoint.filter(id=endpoint.id, failing_since__not_isnull=True).update(failing_since=None)
        return
    if not target.failed:
        return
    if endpoint.failing_since is None:
        await WebhookEndpoint.filter(id=endpoint.id, failing_since__isnull=True).update(failing_since=now)
    if target.gave_up:
        since = now - ENDPOINT_FAILING_DISABLE_AFTER
        async with in_transaction() as connection:
            disabled = await WebhookEndpoint.filter(
                id=endpoint.id, status=ENABLED, failing_since__lte=since,
            ).using_db(connection).update(status=FAILING, disabled_reason=FAILING_REASON, updated_at=now)
            if disabled:
                # The partner is told twice: status FAILING and disabledReason on the endpoint, and this
                # event (its other endpoints, the event feed and the `events` subscription carry it).
                await record_domain_event(
                    type="webhook_endpoint.disabled", partner_id=endpoint.partner_id,  # type: ignore[attr-defined]
                    object_type="WebhookEndpoint", object_id=endpoint.id,
                    payload={"endpointId": str(endpoint.id), "status": FAILING}, using_db=connection,
                )
        if disabled:
            log.warning("webhook endpoint %s disabled after failing for more than 24 hours", endpoint.id)


def _count(target: _Target, status: str, result: SendResult) -> None:
    """Add one recorded attempt to its endpoint's tally for the round."""
    if status == "LOST_LEASE":
        return
    if result.succeeded:
        target.succeeded += 1
    else:
        target.failed += 1
        target.gave_up += status == FAILED


async def _record_internal_failure(delivery: WebhookDelivery, exc: Exception, *, now: datetime,
                                   rng: random.Random | None) -> str:
    """Count an attempt that failed on our side (a secret that does not decrypt, say) like any failed attempt:
    it follows the retry schedule and ends FAILED, instead of being leased again forever. Never raises."""
    try:
        return await _record(delivery, SendResult(None, None, f"internal error: {type(exc).__name__}"[:255], 0),
                             now=now, rng=rng)
    except Exception as again:  # noqa: BLE001 - the database is what failed: the lease lapses and the next round retries
        log_job_failure(log, f"recording the failed attempt of webhook delivery {delivery.id}", again)
        return "LOST_LEASE"


async def deliver(
    delivery: WebhookDelivery, target: _Target, client: httpx.AsyncClient, *, now: datetime,
    rng: random.Random | None = None,
) -> tuple[str, SendResult]:
    """Sign and send one claimed delivery to its prepared endpoint, then record the attempt."""
    if target.broken is not None:
        raise target.broken
    if target.refused is not None:
        result = SendResult(None, None, target.refused, 0)
    else:
        body = delivery.body.encode()
        headers = signed_headers(message_id=delivery.message_id, timestamp=now, body=body, secrets_=target.secrets)
        result = await post(client, url=target.endpoint.url, body=body, headers=headers)
    return await _record(delivery, result, now=now, rng=rng), result


async def run_once(
    client: httpx.AsyncClient, *, wire: PayloadConverter, clock: Clock = utc_now, rng: random.Random | None = None,
) -> int:
    """One round: fan out new events, then send every due delivery (at most CONCURRENCY at once); how many were sent."""
    while await fan_out(now=clock(), wire=wire) == FAN_OUT_BATCH:
        pass
    claimed = await claim_due(now=clock())
    if not claimed:
        return 0
    failure = SendResult(None, None, "internal error", 0)
    targets = await _targets(claimed, now=clock())  # the database away: the leases lapse, the next round retries
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery: WebhookDelivery) -> None:
        target = targets.get(delivery.endpoint_id)  # type: ignore[attr-defined]
        async with limit:
            try:
                if target is None:  # deleted since the claim
                    raise LookupError("the endpoint no longer exists")
                status, result = await deliver(delivery, target, client, now=clock(), rng=rng)
            except Exception as exc:  # noqa: BLE001 - one broken delivery must not stop the others
                # The database away mid-delivery is one line; anything else is a bug and keeps its traceback.
                log_job_failure(log, f"webhook delivery {delivery.id}", exc)
                status, result = await _record_internal_failure(delivery, exc, now=clock(), rng=rng), failure
            if target is not None:
                _count(target, status, result)

    await asyncio.gather(*(one(d) for d in claimed))
    for target in targets.values():
        try:
            await _endpoint_health(target, now=clock())
        except Exception as exc:  # noqa: BLE001 - health is tracked again next round
            log_job_failure(log, f"webhook endpoint health of {target.endpoint.id}", exc)
    return len(claimed)


async def run_forever(*, wire: PayloadConverter, clock: Clock = utc_now, interval_s: float = POLL_INTERVAL_S,
                      transport: httpx.AsyncBaseTransport | None = None,
                      idempotency_hours: int = IDEMPOTENCY_DEFAULT_HOURS) -> None:
    """The dispatcher loop of `qianbao serve` and `qianbao worker`: keeps going after transient database errors."""
    async with build_client(transport) as client:
        purged_at: datetime | None = None
        swept_at: datetime | None = None
        while True:
            async def one_round() -> int:
                nonlocal purged_at, swept_at
                if purged_at is None or clock() - purged_at >= PURGE_EVERY:
                    purged_at = clock()
                    # Idempotency keys, finished deliveries and passed events past their retention (services.retention).
                    await purge_expired(now=purged_at, idempotency_hours=idempotency_hours)
                if swept_at is None or clock() - swept_at >= SWEEP_EVERY:
                    swept_at = clock()
                    # Expired payment authorisations give their reserved funds back (services.payments.authorizations).
                    await expire_due(now=swept_at)
                    # Rail transfers go to their rail, and the simulated rail's due outcomes come back (services.rails).
                    await run_rail_jobs(now=swept_at)
                    # Points programmes: due lots expire, reversed payments' points are clawed back (services.points).
                    await run_points_jobs(now=swept_at)
                    # Undecided payout requests past their expiry release their held funds (services.business).
                    await expire_payout_requests(now=swept_at)
                    # DEFERRED merchants' cleared payments reach their settlement wallets (services.merchants.settlement).
                    await settle_due()
                # Points owed by payments (and asked back by refunds) are read from the outbox every round.
                await earn_pending()
                return await run_once(client, wire=wire, clock=clock)

            try:
                # Each round in a task of its own (a copy of this context): Tortoise's in_transaction sets the task's
                # connection before BEGIN and never resets it when BEGIN fails on a terminated backend, which left
                # this loop on a dead connection for ever; the leak now ends with the round's task.
                sent = await asyncio.create_task(one_round())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                log_job_failure(log, "webhook dispatcher round", exc)
                sent = 0
            if sent < CLAIM_BATCH:
                await asyncio.sleep(interval_s)
