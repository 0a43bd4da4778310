"""Reading tickets: one ticket, a partner's (or customer's) tickets, the staff queue by due time, and a thread."""

from __future__ import annotations

import uuid
from dataclasses import replace

from tortoise.expressions import Q

from auth.principal import Principal
from models import Dispute, SupportMessage, SupportTicket
from models.support import TicketStatus
from services import clock
from services.authority import is_staff
from services.pagination import Page, encode_cursor, enum_filter, keyset_page, map_page, page_window
from services.support.access import visible_ticket, visible_tickets
from services.support.records import MessageRecord, TicketRecord


async def get_ticket(*, principal: Principal, ticket_id: uuid.UUID | None) -> TicketRecord:
    """One ticket the caller may read, or NotFound."""
    return await with_dispute(TicketRecord.of(await visible_ticket(principal, ticket_id, field="id"), now=clock.now()))


async def list_tickets(*, principal: Principal, customer_id: uuid.UUID | None, status: str | None,
                       first: int | None, after: str | None) -> Page[TicketRecord]:
    """The caller's tickets, newest first, optionally of one customer and in one status."""
    query = visible_tickets(principal)
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    wanted = enum_filter(TicketStatus, status, field="status")
    if wanted is not None:
        query = query.filter(status=wanted.value)
    now = clock.now()
    page = map_page(await keyset_page(query, first=first, after=after, newest_first=True),
                    lambda row: TicketRecord.of(row, now=now))
    return Page(items=await with_disputes(page.items), cursors=page.cursors, has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page)


async def queue(*, principal: Principal, assignee_id: uuid.UUID | None, first: int | None,
                after: str | None) -> Page[TicketRecord]:
    """Support staff's queue: unresolved tickets, the soonest due first (first response, then resolution).

    The order is (next_due_at, id), both fixed between changes; a cursor names the ticket it stands after, and the
    page goes on from that ticket's due time (a ticket changed meanwhile moves, as a queue should).
    """
    query = visible_tickets(principal).filter(next_due_at__not_isnull=True)
    if assignee_id is not None:
        query = query.filter(assignee_id=assignee_id)
    window = page_window(first=first, after=after)
    if window.after is not None:
        anchor = await SupportTicket.get_or_none(id=window.after)
        if anchor is not None and anchor.next_due_at is not None:
            query = query.filter(Q(next_due_at__gt=anchor.next_due_at) | Q(next_due_at=anchor.next_due_at,
                                                                              id__gt=anchor.id))
    rows = await query.order_by("next_due_at", "id").limit(window.size + 1)
    now = clock.now()
    shown = rows[: window.size]
    return Page(items=await with_disputes([TicketRecord.of(r, now=now) for r in shown]), cursors=[encode_cursor(r.id) for r in shown],
                has_next_page=len(rows) > window.size, has_previous_page=window.after is not None)


async def thread(*, principal: Principal, ticket_id: uuid.UUID, first: int | None,
                 after: str | None) -> Page[MessageRecord]:
    """A ticket's messages, oldest first: internal staff notes only for bank staff."""
    ticket = await visible_ticket(principal, ticket_id, field="id")
    query = SupportMessage.filter(ticket_id=ticket.id)
    if not is_staff(principal):
        query = query.filter(internal=False)  # notes are the bank's own
    page = await keyset_page(query, first=first, after=after)
    return map_page(page, lambda row: MessageRecord.of(row, partner_id=ticket.partner_id))  # type: ignore[attr-defined]


async def with_disputes(records: list[TicketRecord]) -> list[TicketRecord]:
    """The tickets with the id of the dispute opened from each (one query for them all)."""
    if not records:
        return records
    found = dict(await Dispute.filter(ticket_id__in=[r.id for r in records]).values_list("ticket_id", "id"))
    return [replace(r, dispute_id=found.get(r.id)) for r in records]


async def with_dispute(record: TicketRecord) -> TicketRecord:
    """One ticket with the id of its dispute."""
    return (await with_disputes([record]))[0]

