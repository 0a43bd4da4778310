"""Who sees and acts on which support tickets: the one place the support services decide it.

A partner sees its own customers' tickets, a customer token only its own customer's, bank staff with
support:read every one (support:write to act). Another partner's ticket answers exactly like a missing one.
"""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import SupportTicket
from services.authority import is_staff, require_staff
from services.errors import NotFound
from services.scoping import of_tenant, token_customer

READ = "support:read"
WRITE = "support:write"


def visible_tickets(principal: Principal) -> QuerySet[SupportTicket]:
    """The tickets the caller may read (refuses staff without support:read)."""
    if is_staff(principal):
        require_staff(principal, READ)
        return SupportTicket.all()
    query = of_tenant(SupportTicket, principal.partner_id)
    customer = token_customer(principal)
    if customer is not None:  # a customer token: its own customer's only
        query = query.filter(customer_id=customer)
    return query


async def visible_ticket(principal: Principal, ticket_id: uuid.UUID | None, *, field: str = "ticketId",
                         for_update: bool = False) -> SupportTicket:
    """One ticket the caller may read (locked for update when asked), or NotFound."""
    query = visible_tickets(principal)
    if for_update:
        query = query.select_for_update()
    row = await query.get_or_none(id=ticket_id) if ticket_id is not None else None
    if row is None:
        raise NotFound("support ticket not found", field=[field])
    return row


def require_desk(principal: Principal) -> None:
    """Refuse every caller but bank staff whose role grants support:write."""
    require_staff(principal, WRITE)
