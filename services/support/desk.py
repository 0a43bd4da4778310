"""The support desk's own changes: supportTicketAssign and supportTicketUpdate (priority, status), staff only.

A priority change moves both SLA due times to what the new priority gives from the opening (services.support.sla).
RESOLVED stops the resolution clock, CLOSED is final (TICKET_CLOSED afterwards); OPEN or WAITING_ON_CUSTOMER on a
RESOLVED ticket reopens it. Assignment names an active staff user whose role grants support:write (or nobody).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from auth.principal import Principal
from auth.roles import permissions_of
from models import StaffUser, SupportTicket
from models.support import TicketPriority, TicketStatus
from services import clock
from services.audit import AuditNote
from services.errors import NotFound, TicketClosed, ValidationFailed
from services.pagination import enum_filter
from services.support.access import WRITE, require_desk, visible_ticket
from services.support.announce import ticket_updated
from services.support.records import TicketRecord
from services.support.sla import due_times
from services.support.tickets import audit_ticket

_FIELDS = ["priority", "status", "first_response_due_at", "resolution_due_at", "resolved_at", "closed_at",
           "next_due_at", "assignee_id", "updated_at"]


def next_due(ticket: SupportTicket) -> None:
    """Where the ticket stands in the queue: the first response's due time, then the resolution's; out once resolved."""
    if ticket.status in (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value):
        ticket.next_due_at = None
    else:
        ticket.next_due_at = ticket.first_response_due_at if ticket.first_responded_at is None else ticket.resolution_due_at


def _set_status(ticket: SupportTicket, status: TicketStatus, now: datetime) -> None:
    """Apply a status change and the clock stamps it implies."""
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
        ticket.resolved_at = now
    if status is TicketStatus.CLOSED:
        ticket.closed_at = now
    if status in (TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER):
        ticket.resolved_at = None
    ticket.status = status.value


async def update_ticket(*, principal: Principal, ticket_id: uuid.UUID | None, priority: str | None,
                        status: str | None, audit: AuditNote | None = None) -> TicketRecord:
    """Change a ticket's priority and/or status (support staff); one event per kind of change."""
    require_desk(principal)
    new_priority = enum_filter(TicketPriority, priority, field="priority")
    new_status = enum_filter(TicketStatus, status, field="status")
    if new_priority is None and new_status is None:
        raise ValidationFailed("give priority, status or both", field=["priority"])
    async with in_transaction() as conn:
        ticket = await visible_ticket(principal, ticket_id, for_update=True)
        if ticket.status == TicketStatus.CLOSED.value:
            raise TicketClosed("the ticket is closed, which is final", field=["ticketId"])
        now = clock.now()
        changes = []
        if new_priority is not None and new_priority.value != ticket.priority:
            due = due_times(new_priority, ticket.created_at)
            ticket.priority, ticket.first_response_due_at, ticket.resolution_due_at = (
                new_priority.value, due.first_response, due.resolution)
            changes.append("PRIORITY_CHANGED")
        if new_status is not None and new_status.value != ticket.status:
            _set_status(ticket, new_status, now)
            changes.append("STATUS_CHANGED")
        next_due(ticket)
        ticket.updated_at = now
        await ticket.save(using_db=conn, update_fields=_FIELDS)
        for change in changes:
            await ticket_updated(ticket, change, using_db=conn)
        await audit_ticket(audit, ticket)
    return TicketRecord.of(ticket, now=now, audited=audit is not None)


async def assign_ticket(*, principal: Principal, ticket_id: uuid.UUID | None, assignee_id: uuid.UUID | None,
                        unassign: bool = False, audit: AuditNote | None = None) -> TicketRecord:
    """Assign a ticket to a support staff member (or to nobody): internal, so no event."""
    require_desk(principal)
    if assignee_id is None and not unassign:
        raise NotFound("staff user not found", field=["assigneeId"])
    if assignee_id is not None:
        assignee = await StaffUser.get_or_none(id=assignee_id)
        if assignee is None:
            raise NotFound("staff user not found", field=["assigneeId"])
        if not assignee.active or WRITE not in permissions_of(assignee.role):
            raise ValidationFailed(f"the assignee must be an active staff user whose role grants {WRITE}",
                                   field=["assigneeId"])
    async with in_transaction() as conn:
        ticket = await visible_ticket(principal, ticket_id, for_update=True)
        now = clock.now()
        ticket.assignee_id = assignee_id  # type: ignore[attr-defined]
        ticket.updated_at = now
        await ticket.save(using_db=conn, update_fields=["assignee_id", "updated_at"])
        await audit_ticket(audit, ticket)
    return TicketRecord.of(ticket, now=now, audited=audit is not None)
