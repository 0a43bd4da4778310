"""Support tickets over GraphQL: opening with masked text, the thread and hidden staff notes, refusals that change
nothing (another customer's transaction, replies to a closed ticket, bad input), SLA breach flags on a controlled
clock, the queue by due time, and support_ticket.updated events without text."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

from models import DomainEvent, SupportMessage, SupportTicket
from services import clock
from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import object_uuid
from tests.api.ticket_support import (
    ASSIGN, NOTE, QUEUE, REPLY, TICKET, UPDATE, new_ticket, open_ticket, ticket_input, OPEN,
)

RESIDENT_ID = "11010519491231002X"  # a valid Chinese resident identity number (check character X)
CARD = "4111 1111 1111 1111"  # Luhn-valid


async def _messages(client, ticket_id: str) -> list[dict]:
    return (await client.ok(TICKET, {"id": ticket_id}))["node"]["messages"]["nodes"]


async def test_a_ticket_thread_masks_numbers_and_hides_staff_notes(clients, staff):  # noqa: F811
    a = await clients.partner()
    customer = await a.create_customer()
    opened = await open_ticket(a, customer["id"], subject=f"ID {RESIDENT_ID}",
                               message=f"My ID is {RESIDENT_ID} and my card {CARD}, call 13800138000.")
    assert opened["userErrors"] == [], opened
    ticket = opened["ticket"]
    assert ticket["status"] == "OPEN" and ticket["priority"] == "NORMAL" and not ticket["firstResponseBreached"]
    assert RESIDENT_ID not in ticket["subject"] and ticket["subject"].endswith("002X")
    body = ticket["messages"]["nodes"][0]["body"]
    assert RESIDENT_ID not in body and "4111 1111 1111 1111" not in body and "13800138000" not in body
    assert "••••••1111" in body and "••••••8000" in body
    # Nothing in clear in the database either: the masking happened before storage.
    stored = await SupportMessage.filter(ticket_id=object_uuid(ticket["id"])).values_list("body", flat=True)
    assert stored and all(RESIDENT_ID not in text and "1111 1111" not in text for text in stored)
    assert RESIDENT_ID not in (await SupportTicket.get(id=object_uuid(ticket["id"]))).subject

    session = await customer_session(a, customer["id"], ["customers:read", "customers:write"])
    replied = (await session.ok(REPLY, {"input": {"ticketId": ticket["id"], "message": "Any news?"}}))
    assert replied["supportTicketReply"]["message"]["author"] == "CUSTOMER"
    desk = await staff("support")
    answer = (await desk.ok(REPLY, {"input": {"ticketId": ticket["id"], "message": "We are on it."}}))
    assert answer["supportTicketReply"]["ticket"]["status"] == "WAITING_ON_CUSTOMER"
    assert answer["supportTicketReply"]["ticket"]["firstRespondedAt"] is not None
    note = (await desk.ok(NOTE, {"input": {"ticketId": ticket["id"], "text": "Looks like a merchant issue."}}))
    assert note["supportTicketNote"]["message"]["internal"] is True
    # The partner and the customer never see the note; staff do.
    for viewer in (a, session):
        bodies = [m["body"] for m in await _messages(viewer, ticket["id"])]
        assert bodies[1:] == ["Any news?", "We are on it."] and all(not m["internal"] for m in await _messages(viewer, ticket["id"]))
    staff_view = await _messages(desk, ticket["id"])
    assert [m["internal"] for m in staff_view] == [False, False, False, True]
    # Partners cannot write notes; a customer's reply hands the ticket back to the desk.
    refused = await a.gql(NOTE, {"input": {"ticketId": ticket["id"], "text": "x"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    back = (await session.ok(REPLY, {"input": {"ticketId": ticket["id"], "message": "Thanks"}}))["supportTicketReply"]
    assert back["ticket"]["status"] == "OPEN"
    # Events: one per change but the note, with ids and states, never the text.
    events = await DomainEvent.filter(type="support_ticket.updated", object_id=str(object_uuid(ticket["id"]))).order_by("id")
    assert [e.payload["ticketChange"] for e in events] == ["OPENED", "CUSTOMER_REPLIED", "STAFF_REPLIED",
                                                           "CUSTOMER_REPLIED"]
    assert all(set(e.payload) == {"ticketId", "customerId", "ticketStatus", "ticketChange"} for e in events)
    assert all(e.partner_id is not None and str(e.partner_id) == a.partner_id for e in events)
    # The partner reads them in its event feed with global IDs (and could be told by webhook). On PostgreSQL the
    # feed shows events below the outbox horizon: another client's open transaction may hold them back a moment.
    deadline = time.monotonic() + 20
    while True:
        feed = await a.ok('{ events(first: 10, types: ["support_ticket.updated"]) { nodes { type data {'
                          ' ticketId customerId ticketStatus ticketChange } } } }')
        if len(feed["events"]["nodes"]) == len(events) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert {n["data"]["ticketId"] for n in feed["events"]["nodes"]} == {ticket["id"]}
    assert feed["events"]["nodes"][0]["data"]["customerId"] == customer["id"]


async def test_a_ticket_on_another_customers_transaction_is_not_found_and_nothing_is_stored(clients):
    a, b = await clients.partner(), await clients.partner()
    c1, c2 = await a.create_customer(), await a.create_customer()
    w2 = await a.open_wallet("CNY", c2["id"])
    top_up = await a.top_up(w2["id"], "10.00")
    before = await SupportTicket.all().count()
    session = await customer_session(a, c1["id"], ["customers:read", "customers:write"])
    refused = await open_ticket(session, c1["id"], transactionId=top_up["transaction"]["id"])
    assert refused["userErrors"][0]["code"] == "NOT_FOUND" and refused["userErrors"][0]["field"] == ["transactionId"]
    # The customer token cannot open one for another customer; another partner cannot name A's customer.
    assert (await open_ticket(session, c2["id"]))["userErrors"][0]["code"] == "NOT_FOUND"
    assert (await open_ticket(b, c1["id"]))["userErrors"][0]["code"] == "NOT_FOUND"
    assert (await open_ticket(b, c2["id"], transactionId=top_up["transaction"]["id"]))["userErrors"][0]["code"] == "NOT_FOUND"
    assert await SupportTicket.all().count() == before
    # Its own transaction is fine, for the partner and for c2's token.
    mine = await open_ticket(a, c2["id"], transactionId=top_up["transaction"]["id"], category="TOP_UP")
    assert mine["userErrors"] == [] and mine["ticket"]["transactionId"] == top_up["transaction"]["id"]


async def test_a_closed_ticket_refuses_replies_and_changes(clients, staff):  # noqa: F811
    a = await clients.partner()
    customer = await a.create_customer()
    ticket = await new_ticket(a, customer["id"])
    desk = await staff("support")
    closed = (await desk.ok(UPDATE, {"input": {"ticketId": ticket, "status": "CLOSED"}}))["supportTicketUpdate"]
    assert closed["userErrors"] == [] and closed["ticket"]["status"] == "CLOSED"
    assert closed["ticket"]["resolvedAt"] is not None
    count = await SupportMessage.filter(ticket_id=object_uuid(ticket)).count()
    for client in (a, desk):
        refused = (await client.ok(REPLY, {"input": {"ticketId": ticket, "message": "hello?"}}))["supportTicketReply"]
        assert refused["userErrors"] == [{"code": "TICKET_CLOSED", "message": refused["userErrors"][0]["message"],
                                          "field": ["ticketId"]}]
    reopen = (await desk.ok(UPDATE, {"input": {"ticketId": ticket, "status": "OPEN"}}))["supportTicketUpdate"]
    assert reopen["userErrors"][0]["code"] == "TICKET_CLOSED"
    assert await SupportMessage.filter(ticket_id=object_uuid(ticket)).count() == count
    assert (await SupportTicket.get(id=object_uuid(ticket))).status == "CLOSED"


async def test_sla_breach_flags_follow_the_controlled_clock_and_the_queue_is_by_due_time(clients, staff):  # noqa: F811
    a = await clients.partner()
    customer = await a.create_customer()
    desk = await staff("support")
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=30)
    with clock.frozen_at(start) as move:
        normal = await new_ticket(a, customer["id"])
        fraud = await open_ticket(a, customer["id"], category="FRAUD", subject="Lost phone")
        assert fraud["ticket"]["priority"] == "HIGH"
        fraud_id = fraud["ticket"]["id"]
        move(start + timedelta(hours=3))
        view = (await a.ok(TICKET, {"id": normal}))["node"]
        assert view["firstResponseDueAt"].startswith((start + timedelta(hours=8)).isoformat()[:19])
        assert not view["firstResponseBreached"] and not view["resolutionBreached"]
        queue = [t["id"] for t in (await desk.ok(QUEUE))["supportQueue"]["nodes"]]
        assert queue.index(fraud_id) < queue.index(normal)  # due in 4 hours, before 8
        move(start + timedelta(hours=9))
        view = (await a.ok(TICKET, {"id": normal}))["node"]
        assert view["firstResponseBreached"] and not view["resolutionBreached"]
        # A late answer stays a breach; raising the priority to URGENT moves resolution to opening + 8 h: breached.
        await desk.ok(REPLY, {"input": {"ticketId": normal, "message": "Sorry for the wait."}})
        urgent = (await desk.ok(UPDATE, {"input": {"ticketId": normal, "priority": "URGENT"}}))["supportTicketUpdate"]
        assert urgent["ticket"]["firstResponseBreached"] and urgent["ticket"]["resolutionBreached"]
        resolved = (await desk.ok(UPDATE, {"input": {"ticketId": fraud_id, "status": "RESOLVED"}}))["supportTicketUpdate"]
        assert not resolved["ticket"]["resolutionBreached"]  # resolved 9 h in, within its 24 h
        queue = [t["id"] for t in (await desk.ok(QUEUE))["supportQueue"]["nodes"]]
        assert fraud_id not in queue and normal in queue
        move(start + timedelta(days=3))
        assert not (await a.ok(TICKET, {"id": fraud_id}))["node"]["resolutionBreached"]  # stopped when resolved


async def test_assignment_and_bad_input_change_nothing(clients, staff):  # noqa: F811
    a = await clients.partner()
    customer = await a.create_customer()
    ticket = await new_ticket(a, customer["id"])
    desk, analyst = await staff("support"), await staff("analyst")
    assigned = (await desk.ok(ASSIGN, {"input": {"ticketId": ticket, "assigneeId": str(object_gid(desk))}}))
    assert assigned["supportTicketAssign"]["userErrors"] == [], assigned
    assert assigned["supportTicketAssign"]["ticket"]["assigned"] is True
    assert (await a.ok(TICKET, {"id": ticket}))["node"]["assigneeId"] is None  # staff ids are not the partner's
    not_support = (await desk.ok(ASSIGN, {"input": {"ticketId": ticket, "assigneeId": object_gid(analyst)}}))
    assert not_support["supportTicketAssign"]["userErrors"][0]["code"] == "VALIDATION"
    before = await SupportTicket.all().count()
    for values, code, field in (
        ({"subject": "   "}, "VALIDATION", ["subject"]),
        ({"message": "x" * 4001}, "VALIDATION", ["message"]),
        ({"subject": "bad\x00byte"}, "VALIDATION", ["subject"]),
        ({"transactionId": "bm90IGFuIGlk"}, "NOT_FOUND", ["transactionId"]),
    ):
        refused = (await a.ok(OPEN, {"input": ticket_input(customer["id"], **values)}))["supportTicketOpen"]
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)], values
    bad_enum = await a.gql(OPEN, {"input": ticket_input(customer["id"], channel="PIGEON")})
    assert bad_enum["errors"]
    assert await SupportTicket.all().count() == before
    empty = (await desk.ok(UPDATE, {"input": {"ticketId": ticket}}))["supportTicketUpdate"]
    assert empty["userErrors"][0]["code"] == "VALIDATION"
    analyst_queue = await analyst.gql(QUEUE)
    assert analyst_queue["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def object_gid(session) -> str:  # noqa: ANN001 - a StaffClient
    """The StaffUser global ID of a staff session."""
    from schema.common.relay import to_global_id

    return to_global_id("StaffUser", session.staff_id)
