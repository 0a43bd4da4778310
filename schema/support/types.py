"""Support tickets as GraphQL types: SupportTicket (a Node) and the messages of its thread."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.context import Info
from schema.common.permissions import Authenticated
from schema.common.relay import AfterArg, Connection, FirstArg, Node, to_global_id
from schema.common.staff_ids import staff_user_gid
from schema.support.enums import (
    SupportChannel, SupportMessageAuthor, SupportTicketCategory, SupportTicketPriority, SupportTicketStatus,
)
from services.support import queries
from services.support.records import MessageRecord, TicketRecord


@strawberry.type(
    description="One message of a support ticket's thread. Identity, card and mobile numbers typed into it were"
    " masked before it was stored. Internal staff notes are shown to bank staff only."
)
class SupportTicketMessage:
    author: SupportMessageAuthor = strawberry.field(description="Who wrote it: the customer, its partner or staff.")
    body: str = strawberry.field(description="The text, as stored (masked).")
    internal: bool = strawberry.field(
        description="True for an internal staff note (supportTicketNote): only bank staff ever see these."
    )
    created_at: datetime = strawberry.field(description="When it was written (UTC).")

    @classmethod
    def from_record(cls, record: MessageRecord) -> SupportTicketMessage:
        """The GraphQL view of a message."""
        return cls(author=SupportMessageAuthor(record.author), body=record.body, internal=record.internal,
                   created_at=record.created_at)


@strawberry.type(
    description="A customer's support ticket (supportTicketOpen): its thread, its priority and status, and its SLA"
    " clocks. Read by the customer's partner, the customer's own token, and bank support staff."
)
class SupportTicket(Node):
    customer_id: strawberry.ID = strawberry.field(description="The customer (a Customer global ID).")
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The customer's transaction the ticket is about (a Transaction global ID), if it names one."
    )
    category: SupportTicketCategory = strawberry.field(description="What the ticket is about.")
    channel: SupportChannel = strawberry.field(description="How the customer reached support.")
    subject: str = strawberry.field(description="The subject, as stored (identity and card numbers masked).")
    priority: SupportTicketPriority = strawberry.field(description="How urgent it is: sets the SLA due times.")
    status: SupportTicketStatus = strawberry.field(description="Where it stands.")
    assigned: bool = strawberry.field(description="Whether a support staff member has taken the ticket.")
    assignee_id: strawberry.ID | None = strawberry.field(
        description="Bank staff only: the StaffUser global ID of the assignee (null for partners and customers)."
    )
    first_response_due_at: datetime = strawberry.field(description="When staff's first reply is due (UTC).")
    resolution_due_at: datetime = strawberry.field(description="When the resolution is due (UTC).")
    first_responded_at: datetime | None = strawberry.field(description="When staff first replied; null until then.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved (or closed); null while open.")
    closed_at: datetime | None = strawberry.field(description="When it was closed; null unless CLOSED.")
    first_response_breached: bool = strawberry.field(
        description="The first reply came after its due time, or has not come and the due time has passed (now, by"
        " the bank's clock)."
    )
    resolution_breached: bool = strawberry.field(
        description="The resolution came after its due time, or has not come and the due time has passed."
    )
    dispute_id: strawberry.ID | None = strawberry.field(
        description="The dispute opened from this ticket (a Dispute global ID), if any (disputeOpen)."
    )
    created_at: datetime = strawberry.field(description="When the ticket was opened (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    _record: strawberry.Private[TicketRecord]

    @strawberry.field(
        permission_classes=[Authenticated],
        description="The thread, oldest first: the customer's side and staff replies; internal notes for bank staff"
        " only.",
    )
    async def messages(self, info: Info, first: FirstArg = None, after: AfterArg = None) -> Connection[SupportTicketMessage]:
        page = await queries.thread(principal=info.context.principal, ticket_id=self._record.id, first=first,
                                    after=after)
        return Connection.from_page(page, SupportTicketMessage.from_record)

    @classmethod
    def from_record(cls, record: TicketRecord, *, staff: bool) -> SupportTicket:
        """The GraphQL view of a ticket (the assignee named to bank staff only)."""
        return cls(
            id=to_global_id("SupportTicket", record.id), customer_id=to_global_id("Customer", record.customer_id),
            transaction_id=to_global_id("Transaction", record.transaction_id) if record.transaction_id else None,
            category=SupportTicketCategory(record.category), channel=SupportChannel(record.channel),
            subject=record.subject, priority=SupportTicketPriority(record.priority),
            status=SupportTicketStatus(record.status), assigned=record.assignee_id is not None,
            assignee_id=staff_user_gid(str(record.assignee_id)) if staff and record.assignee_id else None,
            first_response_due_at=record.first_response_due_at, resolution_due_at=record.resolution_due_at,
            first_responded_at=record.first_responded_at, resolved_at=record.resolved_at, closed_at=record.closed_at,
            first_response_breached=record.first_response_breached, resolution_breached=record.resolution_breached,
            dispute_id=to_global_id("Dispute", record.dispute_id) if record.dispute_id else None,
            created_at=record.created_at, updated_at=record.updated_at, _record=record,
        )

