"""support_ticket.updated: the one event of a ticket's changes, written in the change's own transaction."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models import SupportTicket
from services.events import record_domain_event


async def ticket_updated(ticket: SupportTicket, change: str, *, using_db: BaseDBAsyncClient) -> None:
    """Tell the ticket's partner that it changed and how (ids and states only: never the text)."""
    await record_domain_event(
        type="support_ticket.updated", partner_id=ticket.partner_id,  # type: ignore[attr-defined]
        object_type="SupportTicket", object_id=ticket.id, using_db=using_db,
        payload={"ticketId": str(ticket.id), "customerId": str(ticket.customer_id),  # type: ignore[attr-defined]
                 "ticketStatus": ticket.status, "ticketChange": change},
    )
