"""supportTicketOpen and supportTicketReply: a customer's ticket and its thread (the customer's side or staff).

A ticket is opened by the customer's partner, the customer's own token, or bank support staff (a phone call
logged by the desk); a transaction it names must be one of that customer's (NOT_FOUND otherwise, as for another
partner's). Subject and messages are masked before storage (services.support.masking). Every change writes the
ticket, its message, the support_ticket.updated event and the audit row in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, SupportMessage, SupportTicket, Transaction
from models.support import MessageAuthor, TicketCategory, TicketChannel, TicketPriority, TicketStatus
from services import clock
from services.audit import AuditNote, record_event
from services.authority import is_staff
from services.errors import NotFound, TicketClosed, ValidationFailed
from services.pagination import enum_filter
from services.scoping import get_scoped, token_customer
from services.support.access import require_desk, visible_ticket
from services.support.announce import ticket_updated
from services.support.masking import mask_sensitive
from services.support.records import MessageRecord, TicketRecord
from services.support.sla import due_times
from services.validation import clean_text

MAX_SUBJECT_CHARS = 200
MAX_MESSAGE_CHARS = 4000
# A suspected fraud is never a NORMAL ticket: it opens HIGH (staff may raise it further).
_OPENING_PRIORITY = {TicketCategory.FRAUD: TicketPriority.HIGH}


@dataclass(frozen=True)
class TicketOpening:
    """supportTicketOpen's input, unchecked."""

    customer_id: uuid.UUID | None
    transaction_id: uuid.UUID | None
    category: str | None
    channel: str | None
    subject: str | None
    message: str | None


def masked_text(value: str | None, *, field: str, max_len: int) -> str:
    """A required free text, checked (length before masking) and with its identity and card numbers masked."""
    text = clean_text(value, field=field, max_len=max_len)
    assert text is not None
    return mask_sensitive(text)


def author_of(principal: Principal) -> tuple[str, str]:
    """(MessageAuthor, reference) of the caller: staff by user id, a customer token or a partner by client id."""
    if is_staff(principal):
        return MessageAuthor.STAFF.value, principal.subject
    customer = token_customer(principal)
    if customer is not None:
        return MessageAuthor.CUSTOMER.value, f"{principal.subject}/{customer}"
    return MessageAuthor.PARTNER.value, principal.subject


async def _customers_transaction(customer: Customer, transaction_id: uuid.UUID | None) -> uuid.UUID | None:
    """The transaction, when it is one of the customer's own (paid from or into its wallets), else NotFound."""
    if transaction_id is None:
        return None
    found = await Transaction.filter(
        Q(from_wallet__customer_id=customer.id) | Q(to_wallet__customer_id=customer.id), id=transaction_id,
    ).exists()
    if not found:
        raise NotFound("transaction not found (a ticket names one of its customer's transactions)",
                       field=["transactionId"])
    return transaction_id


async def open_ticket(*, principal: Principal, opening: TicketOpening, audit: AuditNote | None = None) -> TicketRecord:
    """Open a ticket for a customer with its first message (masked), its SLA due times and its event."""
    if is_staff(principal):
        require_desk(principal)
    customer = await get_scoped(Customer, principal, opening.customer_id, what="customer", field=["customerId"])
    category = enum_filter(TicketCategory, opening.category, field="category")
    channel = enum_filter(TicketChannel, opening.channel, field="channel")
    if category is None or channel is None:
        raise ValidationFailed("category and channel are required", field=["category" if category is None else "channel"])
    subject = masked_text(opening.subject, field="subject", max_len=MAX_SUBJECT_CHARS)
    body = masked_text(opening.message, field="message", max_len=MAX_MESSAGE_CHARS)
    transaction_id = await _customers_transaction(customer, opening.transaction_id)
    now = clock.now()
    priority = _OPENING_PRIORITY.get(category, TicketPriority.NORMAL)
    due = due_times(priority, now)
    author, author_ref = author_of(principal)
    async with in_transaction() as conn:
        ticket = await SupportTicket.create(
            partner_id=customer.partner_id, customer_id=customer.id, transaction_id=transaction_id,  # type: ignore[attr-defined]
            category=category.value, channel=channel.value, subject=subject, priority=priority.value,
            status=TicketStatus.OPEN.value, first_response_due_at=due.first_response, resolution_due_at=due.resolution,
            next_due_at=due.first_response, created_at=now, updated_at=now, using_db=conn,
        )
        await SupportMessage.create(ticket_id=ticket.id, author=author, author_ref=author_ref, internal=False,
                                    body=body, created_at=now, using_db=conn)
        await ticket_updated(ticket, "OPENED", using_db=conn)
        await audit_ticket(audit, ticket)
    return TicketRecord.of(ticket, now=now, audited=audit is not None)


async def audit_ticket(audit: AuditNote | None, ticket: SupportTicket) -> None:
    """The audit row of a change to the ticket, inside the change's transaction."""
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="SupportTicket",
                           object_id=str(ticket.id), request_id=audit.request_id,
                           partner_id=ticket.partner_id)  # type: ignore[attr-defined]


def _after_reply(ticket: SupportTicket, *, by_staff: bool, now: datetime) -> str:
    """Move the ticket's state and SLA clock for a reply; the event's change name.

    A staff reply is the first response when none was given yet and hands the ticket to the customer; a reply from
    the customer's side puts it back in the desk's hands (reopening a RESOLVED ticket: its resolution clock runs again).
    """
    if by_staff:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if ticket.status == TicketStatus.OPEN.value:
            ticket.status = TicketStatus.WAITING_ON_CUSTOMER.value
        ticket.next_due_at = ticket.resolution_due_at if ticket.resolved_at is None else None
        return "STAFF_REPLIED"
    ticket.status = TicketStatus.OPEN.value
    ticket.resolved_at = None
    ticket.next_due_at = ticket.resolution_due_at if ticket.first_responded_at else ticket.first_response_due_at
    return "CUSTOMER_REPLIED"


async def reply(*, principal: Principal, ticket_id: uuid.UUID | None, message: str | None,
                audit: AuditNote | None = None) -> MessageRecord:
    """Add a message to a ticket's thread (TICKET_CLOSED on a closed one); staff with support:write or its own side."""
    by_staff = is_staff(principal)
    if by_staff:
        require_desk(principal)
    body = masked_text(message, field="message", max_len=MAX_MESSAGE_CHARS)
    author, author_ref = author_of(principal)
    async with in_transaction() as conn:
        # Locked: a reply and a concurrent close are ordered, so no reply lands on a ticket closed before it.
        ticket = await visible_ticket(principal, ticket_id, for_update=True)
        if ticket.status == TicketStatus.CLOSED.value:
            raise TicketClosed("the ticket is closed: open a new one", field=["ticketId"])
        now = clock.now()
        change = _after_reply(ticket, by_staff=by_staff, now=now)
        ticket.updated_at = now
        await ticket.save(using_db=conn, update_fields=["first_responded_at", "status", "resolved_at", "next_due_at",
                                                        "updated_at"])
        row = await SupportMessage.create(ticket_id=ticket.id, author=author, author_ref=author_ref, internal=False,
                                          body=body, created_at=now, using_db=conn)
        await ticket_updated(ticket, change, using_db=conn)
        await audit_ticket(audit, ticket)
    return MessageRecord.of(row, partner_id=ticket.partner_id, audited=audit is not None)  # type: ignore[attr-defined]


async def note(*, principal: Principal, ticket_id: uuid.UUID | None, text: str | None,
               audit: AuditNote | None = None) -> MessageRecord:
    """Add an internal staff note (never shown to the partner or the customer, no event; closed tickets too)."""
    require_desk(principal)
    body = masked_text(text, field="text", max_len=MAX_MESSAGE_CHARS)
    async with in_transaction() as conn:
        ticket = await visible_ticket(principal, ticket_id)
        row = await SupportMessage.create(ticket_id=ticket.id, author=MessageAuthor.STAFF.value,
                                          author_ref=principal.subject, internal=True, body=body,
                                          created_at=clock.now(), using_db=conn)
        await audit_ticket(audit, ticket)
    return MessageRecord.of(row, partner_id=ticket.partner_id, audited=audit is not None)  # type: ignore[attr-defined]

