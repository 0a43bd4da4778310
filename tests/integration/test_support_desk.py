"""The support services on a real database: tickets, the thread and notes, the desk's changes, the queue, who sees
what (services.support.access), the records' SLA flags and support_ticket.updated (services.support.announce);
concurrent replies and a close on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from models import AuditEvent, DomainEvent, StaffUser, SupportMessage, SupportTicket
from services import clock
from services.audit import Actor, AuditNote
from services.errors import Forbidden, NotFound, TicketClosed, ValidationFailed
from services.ledger.posting import post_top_up
from services.support import access, announce, desk, queries, records, tickets
from tests.conftest import requires_postgres
from tests.factories import next_id
from tests.integration.merchant_support import customer_token, staff
from tests.integration.service_support import holder, new_partner

AT = datetime(2032, 5, 1, 8, 0, tzinfo=timezone.utc)


def _opening(customer_id, **values) -> tickets.TicketOpening:
    base = {"customer_id": customer_id, "transaction_id": None, "category": "OTHER", "channel": "EMAIL",
            "subject": "Question", "message": "Hello"}
    return tickets.TicketOpening(**{**base, **values})


async def test_a_ticket_lives_through_its_thread_with_audit_and_events(database_url):
    partner = await new_partner("desk")
    customer = await holder(partner)
    top_up = await post_top_up(principal=partner, wallet_id=customer.wallet_id, amount="5.00",
                               idempotency_key=next_id("tu"))
    note = AuditNote(actor=Actor(kind="partner", id=partner.subject, partner_id=partner.partner_id),
                     operation="supportTicketOpen")
    with clock.frozen_at(AT) as move:
        ticket = await tickets.open_ticket(principal=partner, audit=note, opening=_opening(
            customer.customer_id, transaction_id=top_up.id, category="TOP_UP", message="card 4111111111111111"))
        assert isinstance(ticket, records.TicketRecord) and ticket.audited
        assert ticket.first_response_due_at == AT + timedelta(hours=8) and not ticket.first_response_breached
        assert await AuditEvent.filter(operation="supportTicketOpen", object_id=str(ticket.id)).count() == 1
        support = staff("support")
        move(AT + timedelta(hours=2))
        reply = await tickets.reply(principal=support, ticket_id=ticket.id, message="Looking into it")
        assert reply.author == "STAFF" and not reply.internal
        await tickets.note(principal=support, ticket_id=ticket.id, text="internal only")
        row = await SupportTicket.get(id=ticket.id)
        assert row.first_responded_at == AT + timedelta(hours=2) and row.status == "WAITING_ON_CUSTOMER"
        assert row.next_due_at == row.resolution_due_at  # the queue now waits on the resolution
        own = customer_token(partner, customer.customer_id)
        await tickets.reply(principal=own, ticket_id=ticket.id, message="ok")
        partner_thread = await queries.thread(principal=partner, ticket_id=ticket.id, first=10, after=None)
        staff_thread = await queries.thread(principal=support, ticket_id=ticket.id, first=10, after=None)
        assert [m.internal for m in partner_thread.items] == [False, False, False]
        assert [m.internal for m in staff_thread.items] == [False, False, True, False]
        assert "4111111111111111" not in partner_thread.items[0].body
    changes = [e.payload["ticketChange"] async for e in DomainEvent.filter(
        type="support_ticket.updated", object_id=str(ticket.id)).order_by("id")]
    assert changes == ["OPENED", "STAFF_REPLIED", "CUSTOMER_REPLIED"]


async def test_who_sees_and_acts_on_tickets(database_url):
    a, b = await new_partner("desk-a"), await new_partner("desk-b")
    c1, c2 = await holder(a), await holder(a)
    ticket = await tickets.open_ticket(principal=a, opening=_opening(c1.customer_id))
    assert (await queries.get_ticket(principal=a, ticket_id=ticket.id)).id == ticket.id
    for outsider in (b, customer_token(a, c2.customer_id)):
        with pytest.raises(NotFound):
            await queries.get_ticket(principal=outsider, ticket_id=ticket.id)
        with pytest.raises(NotFound):
            await tickets.reply(principal=outsider, ticket_id=ticket.id, message="hi")
    assert ticket.id not in {t.id for t in (await queries.list_tickets(
        principal=b, customer_id=None, status=None, first=100, after=None)).items}
    with pytest.raises(Forbidden):
        access.visible_tickets(staff("analyst"))
    for caller in (a, staff("analyst")):
        with pytest.raises(Forbidden):
            await tickets.note(principal=caller, ticket_id=ticket.id, text="x")
        with pytest.raises(Forbidden):
            await desk.update_ticket(principal=caller, ticket_id=ticket.id, priority="HIGH", status=None)
    with pytest.raises(NotFound):  # another customer's ticket is not the customer token's to open for
        await tickets.open_ticket(principal=customer_token(a, c2.customer_id), opening=_opening(c1.customer_id))
    with pytest.raises(ValidationFailed):
        await tickets.open_ticket(principal=a, opening=_opening(c1.customer_id, category="NOPE"))


async def test_the_desk_changes_priority_status_and_assignee_and_the_queue_follows(database_url):
    partner = await new_partner("desk-q")
    customer = await holder(partner)
    support = staff("support")
    assignee = await StaffUser.create(email=f"{next_id('desk')}@bank.example", role="support", password_hash="x")
    analyst = await StaffUser.create(email=f"{next_id('desk')}@bank.example", role="analyst", password_hash="x")
    # Earlier than every other test's tickets (real time, or 2032 here): the shared queue shows ours first.
    start = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
    with clock.frozen_at(start) as move:
        low = await tickets.open_ticket(principal=partner, opening=_opening(customer.customer_id))
        urgent = await tickets.open_ticket(principal=partner, opening=_opening(customer.customer_id))
        await desk.update_ticket(principal=support, ticket_id=low.id, priority="LOW", status=None)
        await desk.update_ticket(principal=support, ticket_id=urgent.id, priority="URGENT", status=None)
        page = await queries.queue(principal=support, assignee_id=None, first=100, after=None)
        mine = [t.id for t in page.items if t.id in (low.id, urgent.id)]
        assert mine == [urgent.id, low.id]
        # Paging on: the page after the urgent ticket still finds the low one.
        cursor = page.cursors[[t.id for t in page.items].index(urgent.id)]
        later = await queries.queue(principal=support, assignee_id=None, first=100, after=cursor)
        assert low.id in {t.id for t in later.items} and urgent.id not in {t.id for t in later.items}
        assigned = await desk.assign_ticket(principal=support, ticket_id=low.id, assignee_id=assignee.id)
        assert assigned.assignee_id == assignee.id
        assert [t.id for t in (await queries.queue(principal=support, assignee_id=assignee.id, first=10,
                                                   after=None)).items] == [low.id]
        with pytest.raises(ValidationFailed):
            await desk.assign_ticket(principal=support, ticket_id=low.id, assignee_id=analyst.id)
        await desk.assign_ticket(principal=support, ticket_id=low.id, assignee_id=None, unassign=True)
        move(start + timedelta(hours=2))
        breached = await queries.get_ticket(principal=support, ticket_id=urgent.id)
        assert breached.first_response_breached and not breached.resolution_breached
        closed = await desk.update_ticket(principal=support, ticket_id=urgent.id, priority=None, status="CLOSED")
        assert closed.status == "CLOSED" and closed.resolved_at == start + timedelta(hours=2)
        with pytest.raises(TicketClosed):
            await tickets.reply(principal=partner, ticket_id=urgent.id, message="again")
        assert urgent.id not in {t.id for t in (await queries.queue(principal=support, assignee_id=None, first=100,
                                                                    after=None)).items}


@requires_postgres
async def test_replies_racing_a_close_never_land_after_it(database_url):
    partner = await new_partner("desk-race")
    customer = await holder(partner)
    ticket = await tickets.open_ticket(principal=partner, opening=_opening(customer.customer_id))
    support = staff("support")

    async def one_reply(n: int) -> bool:
        try:
            await tickets.reply(principal=partner, ticket_id=ticket.id, message=f"reply {n}")
            return True
        except TicketClosed:
            return False

    async def close() -> bool:
        await desk.update_ticket(principal=support, ticket_id=ticket.id, priority=None, status="CLOSED")
        return True

    await asyncio.gather(*(one_reply(n) for n in range(10)), close())
    row = await SupportTicket.get(id=ticket.id)
    assert row.status == "CLOSED"
    late = await SupportMessage.filter(ticket_id=ticket.id, created_at__gt=row.closed_at).count()
    assert late == 0


async def test_the_event_helper_writes_ids_and_states_only(database_url):
    from tortoise.transactions import in_transaction

    partner = await new_partner("desk-ev")
    customer = await holder(partner)
    ticket = await tickets.open_ticket(principal=partner, opening=_opening(customer.customer_id, subject="ID 11010519491231002X"))
    row = await SupportTicket.get(id=ticket.id)
    async with in_transaction() as conn:
        await announce.ticket_updated(row, "STATUS_CHANGED", using_db=conn)
    event = await DomainEvent.filter(type="support_ticket.updated", object_id=str(ticket.id)).order_by("-id").first()
    assert event is not None and event.payload == {"ticketId": str(ticket.id), "customerId": str(customer.customer_id),
                                                   "ticketStatus": "OPEN", "ticketChange": "STATUS_CHANGED"}
    assert "11010519491231002X" not in row.subject
