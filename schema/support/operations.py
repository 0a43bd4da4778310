"""Support tickets: supportTicketOpen, supportTicketReply, supportTicketNote, supportTicketAssign,
supportTicketUpdate, and the supportTickets and supportQueue lists."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import partner_scope_or_staff, requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.support.enums import SupportChannel, SupportTicketCategory, SupportTicketPriority, SupportTicketStatus
from schema.support.types import SupportTicket, SupportTicketMessage
from services.errors import NotFound
from services.support import desk, queries, tickets

# The customer's side (its partner, or its own token) with customers:write; bank staff need support:write.
_CUSTOMER_SIDE = partner_scope_or_staff("customers:write", "support:write")


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.input(description="A new support ticket for a customer, with its first message.")
class SupportTicketOpenInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a customer token: itself).")
    transaction_id: strawberry.ID | None = strawberry.field(
        default=None, description="Optional: the customer's transaction it is about (another's is NOT_FOUND)."
    )
    category: SupportTicketCategory = strawberry.field(description="What it is about (FRAUD opens at HIGH priority).")
    channel: SupportChannel = strawberry.field(description="How the customer reached support.")
    subject: str = strawberry.field(description="1 to 200 characters; ID, card and mobile numbers are masked.")
    message: str = strawberry.field(description="1 to 4000 characters; ID, card and mobile numbers are masked.")


@strawberry.input(description="A message for a ticket's thread.")
class SupportTicketReplyInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket (yours, or any for support staff).")
    message: str = strawberry.field(description="1 to 4000 characters; ID, card and mobile numbers are masked.")


@strawberry.input(description="An internal staff note on a ticket.")
class SupportTicketNoteInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket to annotate (any ticket, bank staff).")
    text: str = strawberry.field(description="1 to 4000 characters; never shown to the partner or the customer.")


@strawberry.input(description="Who works on a ticket.")
class SupportTicketAssignInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket to assign (any ticket, bank staff).")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="An active staff user whose role grants support:write (a StaffUser global ID);"
        " null: nobody."
    )


@strawberry.input(description="A ticket's new priority and/or status (at least one).")
class SupportTicketUpdateInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket (not CLOSED: TICKET_CLOSED).")
    priority: SupportTicketPriority | None = strawberry.field(
        default=None, description="The new priority: both SLA due times move to what it gives from the opening."
    )
    status: SupportTicketStatus | None = strawberry.field(
        default=None, description="The new status: RESOLVED stops the resolution clock, CLOSED is final."
    )


@strawberry.type(description="The ticket as it is now, or why nothing changed.")
class SupportTicketPayload:
    ticket: SupportTicket | None = strawberry.field(description="The ticket; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND (customer, transaction, ticket, assignee),"
        " VALIDATION or TICKET_CLOSED."
    )


@strawberry.type(description="The message added, or why nothing was.")
class SupportTicketMessagePayload:
    message: SupportTicketMessage | None = strawberry.field(
        description="The message as stored (masked); null when userErrors is not empty."
    )
    ticket: SupportTicket | None = strawberry.field(description="The ticket after it; null on refusal.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was added; empty on success. NOT_FOUND, VALIDATION or TICKET_CLOSED (replies)."
    )


async def _ticket_payload(info: Info, call: Any) -> SupportTicketPayload:
    record, errors = await attempt(info, call)
    if record is None:
        return SupportTicketPayload(ticket=None, user_errors=errors)
    record = await queries.with_dispute(record)
    return SupportTicketPayload(ticket=SupportTicket.from_record(record, staff=info.context.principal.is_staff),
                                user_errors=errors)


async def _message_payload(info: Info, call: Any) -> SupportTicketMessagePayload:
    record, errors = await attempt(info, call)
    if record is None:
        return SupportTicketMessagePayload(message=None, ticket=None, user_errors=errors)
    ticket = await queries.get_ticket(principal=info.context.principal, ticket_id=record.ticket_id)
    return SupportTicketMessagePayload(message=SupportTicketMessage.from_record(record), user_errors=errors,
                                       ticket=SupportTicket.from_record(ticket, staff=info.context.principal.is_staff))


@strawberry.type
class SupportQueries:
    @strawberry.field(
        permission_classes=partner_scope_or_staff("customers:read", "support:read"),
        description="Support tickets, newest first: your customers' (a customer token: its own), or every one for"
        " bank support staff (support:read).",
    )
    async def support_tickets(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        customer_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this customer's tickets.")] = None,
        status: Annotated[SupportTicketStatus | None, strawberry.argument(
            description="Only tickets in this status.")] = None,
    ) -> Connection[SupportTicket]:
        principal = info.context.principal
        customer = _id(customer_id, "Customer", "customerId")
        page = await queries.list_tickets(principal=principal, customer_id=customer, first=first, after=after,
                                          status=status.value if status else None)
        return Connection.from_page(page, lambda r: SupportTicket.from_record(r, staff=principal.is_staff))

    @strawberry.field(
        permission_classes=requires("support:read"),
        description="Bank support staff's queue: every ticket not yet RESOLVED or CLOSED, the soonest due first (its"
        " first response's due time until staff answer, then its resolution's).",
    )
    async def support_queue(
        self, info: Info, first: FirstArg = None, after: AfterArg = None,
        assignee_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only tickets assigned to this staff user (a StaffUser global ID).")] = None,
    ) -> Connection[SupportTicket]:
        assignee = _id(assignee_id, "StaffUser", "assigneeId")
        page = await queries.queue(principal=info.context.principal, assignee_id=assignee, first=first, after=after)
        return Connection.from_page(page, lambda r: SupportTicket.from_record(r, staff=True))


@strawberry.type
class SupportMutations:
    @strawberry.mutation(
        permission_classes=_CUSTOMER_SIDE,
        description="Open a support ticket for a customer with its first message: by its partner, its own token, or"
        " bank support staff (support:write). SLA due times by priority; support_ticket.updated; audited.",
    )
    async def support_ticket_open(
        self, info: Info,
        input: Annotated[SupportTicketOpenInput, strawberry.argument(description="The customer, topic and first message.")],
    ) -> SupportTicketPayload:
        async def run() -> Any:
            return await tickets.open_ticket(principal=info.context.principal, audit=audit_note(info),
                                             opening=tickets.TicketOpening(
                customer_id=_id(input.customer_id, "Customer", "customerId"),
                transaction_id=_id(input.transaction_id, "Transaction", "transactionId"),
                category=input.category.value, channel=input.channel.value, subject=input.subject,
                message=input.message))

        return await _ticket_payload(info, run())

    @strawberry.mutation(
        permission_classes=_CUSTOMER_SIDE,
        description="Add a message to a ticket's thread: the customer's side, or bank support staff (the first staff"
        " reply is the first response). TICKET_CLOSED on a closed ticket. support_ticket.updated; audited.",
    )
    async def support_ticket_reply(
        self, info: Info, input: Annotated[SupportTicketReplyInput, strawberry.argument(description="The message.")],
    ) -> SupportTicketMessagePayload:
        async def run() -> Any:
            return await tickets.reply(principal=info.context.principal, message=input.message,
                                       ticket_id=_id(input.ticket_id, "SupportTicket", "ticketId"),
                                       audit=audit_note(info))

        return await _message_payload(info, run())

    @strawberry.mutation(
        permission_classes=requires("support:write"),
        description="Add an internal note to a ticket (bank support staff): never shown to the partner or the"
        " customer, no event. Audited.",
    )
    async def support_ticket_note(
        self, info: Info,
        input: Annotated[SupportTicketNoteInput, strawberry.argument(description="The ticket and the note's text.")],
    ) -> SupportTicketMessagePayload:
        async def run() -> Any:
            return await tickets.note(principal=info.context.principal, text=input.text,
                                      ticket_id=_id(input.ticket_id, "SupportTicket", "ticketId"),
                                      audit=audit_note(info))

        return await _message_payload(info, run())

    @strawberry.mutation(
        permission_classes=requires("support:write"),
        description="Assign a ticket to a support staff member, or to nobody (bank support staff). Audited.",
    )
    async def support_ticket_assign(
        self, info: Info, input: Annotated[SupportTicketAssignInput, strawberry.argument(description="Ticket, assignee.")],
    ) -> SupportTicketPayload:
        async def run() -> Any:
            return await desk.assign_ticket(principal=info.context.principal,
                                            ticket_id=_id(input.ticket_id, "SupportTicket", "ticketId"),
                                            assignee_id=_id(input.assignee_id, "StaffUser", "assigneeId"),
                                            unassign=input.assignee_id is None, audit=audit_note(info))

        return await _ticket_payload(info, run())

    @strawberry.mutation(
        permission_classes=requires("support:write"),
        description="Change a ticket's priority and/or status (bank support staff). support_ticket.updated; audited.",
    )
    async def support_ticket_update(
        self, info: Info,
        input: Annotated[SupportTicketUpdateInput, strawberry.argument(description="The ticket and what changes.")],
    ) -> SupportTicketPayload:
        async def run() -> Any:
            return await desk.update_ticket(principal=info.context.principal,
                                            ticket_id=_id(input.ticket_id, "SupportTicket", "ticketId"),
                                            priority=input.priority.value if input.priority else None,
                                            status=input.status.value if input.status else None,
                                            audit=audit_note(info))

        return await _ticket_payload(info, run())
