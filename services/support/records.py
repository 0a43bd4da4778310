"""What the support services hand to the API layer: tickets and their messages as plain records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models.support import SupportMessage, SupportTicket
from services.outcome import AuditTarget, ServiceResult
from services.support.sla import breached


@dataclass(frozen=True, kw_only=True)
class TicketRecord(ServiceResult):
    """A support ticket with its SLA clock, as of `now` (the breach flags are derived from the clock)."""

    audit_type = "SupportTicket"
    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    transaction_id: uuid.UUID | None
    category: str
    channel: str
    subject: str  # masked
    priority: str
    status: str
    assignee_id: uuid.UUID | None
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    first_response_breached: bool
    resolution_breached: bool
    dispute_id: uuid.UUID | None = None  # the dispute opened from it (services.support.queries.with_disputes)

    @classmethod
    def of(cls, row: SupportTicket, *, now: datetime, audited: bool = False) -> TicketRecord:
        """The record of a stored ticket, its breach flags as of `now`."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            transaction_id=row.transaction_id, category=row.category, channel=row.channel,  # type: ignore[attr-defined]
            subject=row.subject, priority=row.priority, status=row.status,
            assignee_id=row.assignee_id,  # type: ignore[attr-defined]
            first_response_due_at=row.first_response_due_at, resolution_due_at=row.resolution_due_at,
            first_responded_at=row.first_responded_at, resolved_at=row.resolved_at, closed_at=row.closed_at,
            created_at=row.created_at, updated_at=row.updated_at, audited=audited,
            first_response_breached=breached(row.first_response_due_at, row.first_responded_at, now),
            resolution_breached=breached(row.resolution_due_at, row.resolved_at, now),
        )


@dataclass(frozen=True, kw_only=True)
class MessageRecord(ServiceResult):
    """One message of a ticket's thread, or (internal) a staff note."""

    audit_type = "SupportTicket"  # a message's audit row names its ticket
    id: uuid.UUID
    ticket_id: uuid.UUID
    partner_id: uuid.UUID
    author: str
    author_ref: str
    internal: bool
    body: str  # masked
    created_at: datetime

    @classmethod
    def of(cls, row: SupportMessage, *, partner_id: uuid.UUID, audited: bool = False) -> MessageRecord:
        """The record of a stored message."""
        return cls(id=row.id, ticket_id=row.ticket_id, partner_id=partner_id, author=row.author,  # type: ignore[attr-defined]
                   author_ref=row.author_ref, internal=row.internal, body=row.body, created_at=row.created_at,
                   audited=audited)

    def audit_target(self) -> AuditTarget:
        """The audit row names the ticket the message was added to."""
        return AuditTarget("SupportTicket", str(self.ticket_id), self.partner_id)
