"""Reading partners: one by id, the staff list, and the calling partner's own record."""

from __future__ import annotations

import uuid

from models import Partner
from services.errors import NotFound
from services.pagination import Page, keyset_page


async def get_partner(*, partner_id: uuid.UUID | None) -> Partner:
    """A partner by id, or NotFound."""
    partner = await Partner.get_or_none(id=partner_id) if partner_id else None
    if partner is None:
        raise NotFound("partner not found", field=["partnerId"])
    return partner


async def list_partners(*, first: int | None, after: str | None) -> Page[Partner]:
    """Every partner, oldest first."""
    return await keyset_page(Partner.all(), first=first, after=after)


async def get_own_partner(*, partner_id: object) -> Partner | None:
    """The calling partner's own record."""
    return await Partner.get_or_none(id=partner_id)
