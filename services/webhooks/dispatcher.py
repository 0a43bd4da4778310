"""The webhook dispatcher: fan domain events out into deliveries, claim due deliveries, send, record, retry.

Crash safety (at least once, never lost):
- Fan-out is one transaction per batch: claim undelivered `domain_event` rows in
  id order (FOR UPDATE SKIP LOCKED on PostgreSQL), insert one delivery per
  matching enabled endpoint of the event's partner, set the event's
  `delivered_at`. A crash before commit leaves the events undelivered; the
  unique (endpoint, message_id) pair stops a repeat from doubling a delivery.
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
import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import DomainEvent, WebhookDelivery, WebhookEndpoint
from models.ids import uuid7
from services.scoping import of_chosen_partners, of_partner
from services.webhooks import config
from services.webhooks.body import PayloadConverter, build_body
from services.webhooks.endpoints import ENABLED, FAILING, signing_secrets, subscribes_to
from services.webhooks.schedule import ENDPOINT_FAILING_DISABLE_AFTER, next_attempt_at
from services.webhooks.sender import SendResult, build_client, send
from services.webhooks.signing import signed_headers

log = logging.getLogger("qianbao.webhooks")
FAN_OUT_BATCH = 200
CLAIM_BATCH = 50
LEASE = timedelta(seconds=60)  # far beyond one attempt's total timeout
CONCURRENCY = 20  # deliveries in flight at once: a slow endpoint holds one slot, not the queue
POLL_INTERVAL_S = 1.0
PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"
_MESSAGE_NAMESPACE = uuid.UUID("6b1f0d1e-3c1a-4b6e-9a53-7177616e6261")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def message_id(event_id: int) -> str:
    """The webhook-id of an event: stable (the same for every attempt and every endpoint), not a counter."""
    return "msg_" + uuid.uuid5(_MESSAGE_NAMESPACE, str(event_id)).hex


async def fan_out(*, now: datetime, wire: PayloadConverter, batch: int = FAN_OUT_BATCH) -> int:
    """Turn up to `batch` undelivered events into deliveries; the number of events handled."""
    async with in_transaction() as connection:
        events = await (
            DomainEvent.filter(delivered_at__isnull=True).order_by("id").limit(batch)
            .select_for_update(skip_locked=True).using_db(connection)
        )
        if not events:
            return 0
        partner_ids = {e.partner_id for e in events if e.partner_id is not None}
        enabled = WebhookEndpoint.filter(status=ENABLED).using_db(connection)
        endpoints = await of_chosen_partners(enabled, list(partner_ids)) if partner_ids else []
        rows = []
        for event in events:
            for endpoint in endpoints:
                if of_partner(event.partner_id, endpoint.partner_id) and subscribes_to(endpoint, event.type):
                    body = build_body(event_type=event.type, payload=event.payload or {}, occurred_at=event.occurred_at,
                                      wire=wire)
                    rows.append(WebhookDelivery(
                        id=uuid7(), partner_id=event.partner_id, endpoint_id=endpoint.id, event_id=event.id,
                        message_id=message_id(event.id), event_type=event.type, body=body.decode(), next_attempt_at=now,
                    ))
        if rows:
            await WebhookDelivery.bulk_create(rows, ignore_conflicts=True, using_db=connection)
        await DomainEvent.filter(id__in=[e.id for e in events]).using_db(connection).update(delivered_at=now)
    return len(events)


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


async def _record(delivery: WebhookDelivery, result: SendResult, *, now: datetime, rng: random.Random | None) -> str:
    """Write the attempt's outcome (unless another dispatcher recorded this attempt first); the new status."""
    attempt = delivery.attempt + 1
    fields = dict(
        attempt=attempt, lease_until=None, last_attempt_at=now, last_response_status=result.status,
        last_response_body=result.body, last_error=result.error, last_latency_ms=result.latency_ms,
    )
    if result.succeeded:
        fields.update(status=SUCCEEDED)
    else:
        retry_at = next_attempt_at(attempt=attempt, now=now, rng=rng)
        if retry_at is None:
            fields.update(status=FAILED)
        else:
            fields.update(next_attempt_at=retry_at)
    updated = await WebhookDelivery.filter(id=delivery.id, attempt=delivery.attempt, status=PENDING).update(**fields)
    if not updated:
        return "LOST_LEASE"  # another dispatcher took it over after our lease lapsed; its result counts
    await _endpoint_health(delivery.endpoint_id, succeeded=result.succeeded, gave_up=fields.get("status") == FAILED, now=now)
    return str(fields.get("status", PENDING))


async def _endpoint_health(endpoint_id: uuid.UUID, *, succeeded: bool, gave_up: bool, now: datetime) -> None:
    """Track how long an endpoint has failed; disable it when a delivery gave up after a day without success."""
    if succeeded:
        await WebhookEndpoint.filter(id=endpoint_id, failing_since__not_isnull=True).update(failing_since=None)
        return
    await WebhookEndpoint.filter(id=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    if gave_up:
        since = now - ENDPOINT_FAILING_DISABLE_AFTER
        disabled = await WebhookEndpoint.filter(id=endpoint_id, status=ENABLED, failing_since__lte=since).update(
            status=FAILING, disabled_reason="disabled after failing every delivery attempt for more than 24 hours",
            updated_at=now,
        )
        if disabled:
            # The partner sees status FAILING and disabledReason on the endpoint (webhookEndpoints).
            log.warning("webhook endpoint %s disabled after failing for more than 24 hours", endpoint_id)


async def deliver(
    delivery: WebhookDelivery, client: httpx.AsyncClient, *, now: datetime, rng: random.Random | None = None,
) -> str:
    """Sign and send one claimed delivery, then record the attempt."""
    endpoint = await WebhookEndpoint.get(id=delivery.endpoint_id)
    body = delivery.body.encode()
    headers = signed_headers(message_id=delivery.message_id, timestamp=now, body=body,
                             secrets_=await signing_secrets(endpoint, now=now))
    result = await send(client, url=endpoint.url, body=body, headers=headers, production=config.is_production(),
                        allow_private=config.allow_private_urls())
    return await _record(delivery, result, now=now, rng=rng)


async def run_once(
    client: httpx.AsyncClient, *, wire: PayloadConverter, clock: Clock = utc_now, rng: random.Random | None = None,
) -> int:
    """One round: fan out new events, then send every due delivery (at most CONCURRENCY at once); how many were sent."""
    while await fan_out(now=clock(), wire=wire) == FAN_OUT_BATCH:
        pass
    claimed = await claim_due(now=clock())
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery: WebhookDelivery) -> None:
        async with limit:
            try:
                await deliver(delivery, client, now=clock(), rng=rng)
            except Exception:  # noqa: BLE001 - one broken delivery must not stop the others; its lease lapses
                log.exception("webhook delivery %s failed unexpectedly", delivery.id)

    await asyncio.gather(*(one(d) for d in claimed))
    return len(claimed)


async def run_forever(*, wire: PayloadConverter, clock: Clock = utc_now, interval_s: float = POLL_INTERVAL_S,
                      transport: httpx.AsyncBaseTransport | None = None) -> None:
    """The dispatcher loop of `qianbao serve` and `qianbao worker`: keeps going after transient database errors."""
    async with build_client(transport) as client:
        while True:
            try:
                sent = await run_once(client, wire=wire, clock=clock)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("webhook dispatcher round failed; retrying")
                sent = 0
            if sent < CLAIM_BATCH:
                await asyncio.sleep(interval_s)
