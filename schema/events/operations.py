"""events(after, first, types): replaying the outbox from a durable cursor."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.permissions import partner_scope_or_staff
from schema.common.relay import AfterArg, Connection, FirstArg
from schema.events.types import Event
from services.event_feed import list_events


@strawberry.type
class EventQueries:
    @strawberry.field(
        permission_classes=partner_scope_or_staff("webhooks:manage", "audit:read"),
        description="The event feed: your domain events (the same ones webhooks push), oldest first by id, at most 100"
        " a page. Store the last endCursor you processed and pass it as `after` to catch up after downtime; events are"
        " kept at least 30 days. Needs webhooks:manage on a partner's own token (a customer token never has it), or"
        " audit:read for bank staff (admin, compliance: every partner's events and the bank's internal ones). Errors:"
        " VALIDATION (page size, cursor, an unknown type).",
    )
    async def events(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        types: Annotated[list[str] | None, strawberry.argument(
            description="Only these dotted event types (e.g. [\"transaction.posted\", \"wallet.frozen\"]), each one of"
            " the catalogue's; at most 50. Omitted: every type you may see."
        )] = None,
    ) -> Connection[Event]:
        page = await list_events(principal=info.context.principal, first=first, after=after, types=types)
        return Connection.from_page(page, Event.from_record)
