"""Retention: what is purged, and when (issue 19 item 6). The ledger and the audit log are never purged.

- Idempotency keys (idempotency_record) are kept at least IDEMPOTENCY_MIN_HOURS (72) hours, by default
  IDEMPOTENCY_DEFAULT_HOURS, then deleted: a request retried with its key within that time replays the
  original result; one retried later is a new request. The money itself is untouched: the ledger keeps
  every transaction, and its idempotency_key column, for good.
- Webhook deliveries that are finished (SUCCEEDED, or FAILED after their last attempt) are kept
  DELIVERY_RETENTION_DAYS (30) days, like the events they carry (services.event_feed.RETENTION_DAYS).
- Outbox events: services.event_feed.purge_events (30 days, once the webhook fan-out has passed them).

The webhook dispatcher (`qianbao serve`, `qianbao worker`) runs `purge_expired` once an hour;
`qianbao retention purge` runs it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import IdempotencyRecord, WebhookDelivery
from services.errors import ValidationFailed
from services.event_feed import RETENTION_DAYS, purge_events

IDEMPOTENCY_MIN_HOURS = 72
IDEMPOTENCY_DEFAULT_HOURS = 72
DELIVERY_RETENTION_DAYS = RETENTION_DAYS
# The dispatcher's final statuses (services.webhooks.dispatcher): a PENDING delivery is still being worked on.
_FINISHED_DELIVERIES = ("SUCCEEDED", "FAILED")
# A dispute decided for the customer refunds under the key `dispute-<id>` and, after a crash between the refund and
# the decision, finds that refund again by its key (services.disputes.deciding): those keys are the dispute's
# memory, not a partner's retry window, and are kept.
_KEPT_KEY_PREFIX = "dispute-"

log = logging.getLogger("qianbao.retention")


@dataclass(frozen=True)
class Purged:
    """How many rows one run of the retention job deleted, per kind."""

    idempotency_keys: int
    webhook_deliveries: int
    events: int


def checked_idempotency_hours(hours: int) -> int:
    """The idempotency retention in hours, refused below IDEMPOTENCY_MIN_HOURS (the promise to partners)."""
    if hours < IDEMPOTENCY_MIN_HOURS:
        raise ValidationFailed(f"idempotency keys are kept at least {IDEMPOTENCY_MIN_HOURS} hours", field=["hours"])
    return hours


async def purge_idempotency_keys(*, now: datetime, older_than_hours: int = IDEMPOTENCY_DEFAULT_HOURS) -> int:
    """Delete idempotency keys claimed more than `older_than_hours` ago (at least 72); how many."""
    cutoff = now - timedelta(hours=checked_idempotency_hours(older_than_hours))
    return await IdempotencyRecord.filter(created_at__lt=cutoff).exclude(key__startswith=_KEPT_KEY_PREFIX).delete()


async def purge_finished_deliveries(*, now: datetime) -> int:
    """Delete webhook deliveries finished and created more than DELIVERY_RETENTION_DAYS ago; how many."""
    cutoff = now - timedelta(days=DELIVERY_RETENTION_DAYS)
    return await WebhookDelivery.filter(created_at__lt=cutoff, status__in=_FINISHED_DELIVERIES).delete()


async def purge_expired(*, now: datetime, idempotency_hours: int = IDEMPOTENCY_DEFAULT_HOURS) -> Purged:
    """One run of the retention job: idempotency keys, finished deliveries and passed events past their time."""
    purged = Purged(
        idempotency_keys=await purge_idempotency_keys(now=now, older_than_hours=idempotency_hours),
        webhook_deliveries=await purge_finished_deliveries(now=now),
        events=await purge_events(older_than_days=RETENTION_DAYS, now=now),
    )
    if any((purged.idempotency_keys, purged.webhook_deliveries, purged.events)):
        log.info("retention: purged %d idempotency keys older than %d h, %d webhook deliveries and %d events"
                 " older than %d days", purged.idempotency_keys, idempotency_hours, purged.webhook_deliveries,
                 purged.events, RETENTION_DAYS)
    return purged
