"""Who sees which disputes: the payer's partner (its customer token: its own customer's), the merchant's partner,
and bank staff with support:read. Another partner's dispute answers exactly like a missing one."""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import Dispute
from services.authority import is_staff, require_staff
from services.errors import NotFound
from services.scoping import either_side, of_tenant, token_customer
from services.support.access import READ


def visible_disputes(principal: Principal) -> QuerySet[Dispute]:
    """The disputes the caller may read (refuses staff without support:read)."""
    if is_staff(principal):
        require_staff(principal, READ)
        return Dispute.all()
    partner = principal.partner_id or uuid.UUID(int=0)
    customer = token_customer(principal)
    if customer is not None:  # a customer token: its own customer's disputes only
        return of_tenant(Dispute, partner).filter(ticket__customer_id=customer)
    return either_side(Dispute, principal)  # the payer's partner and the merchant's


async def visible_dispute(principal: Principal, dispute_id: uuid.UUID | None, *, field: str = "disputeId") -> Dispute:
    """One dispute the caller may read, or NotFound."""
    row = await visible_disputes(principal).get_or_none(id=dispute_id) if dispute_id is not None else None
    if row is None:
        raise NotFound("dispute not found", field=[field])
    return row
