"""Replaying the outbox (the event feed) and purging it.

`list_events` pages through the events a caller may see, oldest first, in
position order up to the horizon of finished transactions
(services.outbox_position): a partner stores the last cursor it processed and
asks for `after` it after downtime, and no event can commit behind a cursor
already handed out. Who sees what:

- a partner's own token with `webhooks:manage` (the scope that also
  configures where events are pushed): its own events of the partner types,
  and the broadcast types stored without a partner (services.event_catalogue);
- bank staff whose role grants `audit:read` (admin, compliance): every event,
  the bank's internal ones (aml.alert_raised) included;
- nobody else (a delegated customer token never holds webhooks:manage: a
  customer's app follows its own objects through the API and subscriptions).

Events are kept at least RETENTION_DAYS (30) days. `purge_events` (the CLI's
`qianbao events purge`, and the dispatcher once an hour) deletes events older
than that (never younger) that the webhook fan-out has passed, and with
`include_undelivered` also ones it has not (no dispatcher ever ran).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from auth.principal import Principal
from tortoise import connections
from tortoise.expressions import Q

from models import DomainEvent, OutboxCursor
from services import outbox_position
from services.authority import is_staff, require_scope, require_staff
from services.errors import ValidationFailed
from services.event_catalogue import BROADCAST_EVENT_TYPES, CATALOGUE, EVENT_TYPES, PARTNER_EVENT_TYPES
from services.outbox_position import Position
from services.pagination import Page, assemble_page, map_page, page_window
from services.scoping import visible_events

PARTNER_SCOPE = "webhooks:manage"
WEBHOOK_CURSOR = "webhooks"  # the webhook fan-out's row in outbox_cursor (services.webhooks.dispatcher.CURSOR)
STAFF_PERMISSION = "audit:read"
RETENTION_DAYS = 30
MAX_TYPES = 50


@dataclass(frozen=True)
class EventRecord:
    """One outbox event as the feed hands it out (payload ids still raw: schema/ makes them global IDs)."""

    id: int
    type: str
    version: int
    partner_id: uuid.UUID | None
    object_type: str
    object_id: str
    payload: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: DomainEvent) -> EventRecord:
        entry = CATALOGUE.get(row.type)
        return cls(
            id=row.id, type=row.type, version=entry.version if entry else 1, partner_id=row.partner_id,  # type: ignore[attr-defined]
            object_type=row.object_type, object_id=row.object_id, payload=dict(row.payload or {}), occurred_at=row.occurred_at,
        )


def check_types(types: list[str] | None) -> list[str] | None:
    """The asked-for types, each in the catalogue, or ValidationFailed naming `types`."""
    if types is None:
        return None
    if len(types) > MAX_TYPES:
        raise ValidationFailed(f"types takes at most {MAX_TYPES} names", field=["types"])
    unknown = sorted({t for t in types if t not in EVENT_TYPES})
    if unknown:
        raise ValidationFailed(f"unknown event types: {', '.join(unknown[:5])}", field=["types"])
    return sorted(set(types))


async def list_events(
    *, principal: Principal, first: int | None, after: str | None, types: list[str] | None = None,
) -> Page[EventRecord]:
    """The caller's events, oldest first, `first` (≤100) after the cursor `after`, optionally only some types."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    else:
        require_scope(principal, PARTNER_SCOPE)
    wanted = check_types(types)
    query = visible_events(DomainEvent, principal, partner_types=PARTNER_EVENT_TYPES, broadcast_types=BROADCAST_EVENT_TYPES)
    if wanted is not None:
        query = query.filter(type__in=wanted)
    window = page_window(first=first, after=after)
    if window.after is not None:
        query = outbox_position.after(query, Position.from_uuid(window.after))
    below = await outbox_position.horizon(connections.get("default"))
    rows = await outbox_position.final(query, below).order_by("tx", "id").limit(window.size + 1)
    keys = [Position(row.tx, row.id).as_uuid() for row in rows]
    return map_page(assemble_page(keys, dict(zip(keys, rows)), window), EventRecord.from_row)


async def purge_events(*, older_than_days: int = RETENTION_DAYS, include_undelivered: bool = False,
                       now: datetime | None = None) -> int:
    """Delete events older than `older_than_days` (at least RETENTION_DAYS) that webhooks are done with; how many."""
    if older_than_days < RETENTION_DAYS:
        raise ValidationFailed(f"events are kept at least {RETENTION_DAYS} days", field=["olderThanDays"])
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
    query = DomainEvent.filter(occurred_at__lt=cutoff)
    if not include_undelivered:
        # Only what the webhook fan-out has passed: its deliveries carry their own copy of the body.
        cursor = await OutboxCursor.get_or_none(name=WEBHOOK_CURSOR)
        passed = Position(cursor.tx, cursor.event_id) if cursor is not None else Position(0, 0)
        query = query.filter(Q(tx__lt=passed.tx) | Q(tx=passed.tx, id__lte=passed.event_id))
    return await query.delete()


async def get_event(*, principal: Principal, event_id: int) -> EventRecord | None:
    """One event the caller may replay (node(id:)), or None; Forbidden for a caller without the feed's permission."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    else:
        require_scope(principal, PARTNER_SCOPE)
    query = visible_events(DomainEvent, principal, partner_types=PARTNER_EVENT_TYPES, broadcast_types=BROADCAST_EVENT_TYPES)
    row = await query.get_or_none(id=event_id)
    return EventRecord.from_row(row) if row is not None else None
