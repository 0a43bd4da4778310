"""Reading partners: one by id, the staff list, and the calling partner's own record."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import ApiClient, Partner
from services.errors import NotFound
from services.pagination import Page, keyset_page, map_page
from services.partners.records import ApiClientRecord, PartnerRecord
from services.scoping import partner_scoped, sees_partner


async def partner_row(partner_id: uuid.UUID | None) -> Partner:
    """The stored partner row, or NotFound (for the partner services that change it)."""
    partner = await Partner.get_or_none(id=partner_id) if partner_id else None
    if partner is None:
        raise NotFound("partner not found", field=["partnerId"])
    return partner


async def get_partner(*, partner_id: uuid.UUID | None) -> PartnerRecord:
    """A partner by id, or NotFound."""
    return PartnerRecord.from_row(await partner_row(partner_id))


async def list_partners(
    *, first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> Page[PartnerRecord]:
    """Every partner, oldest first."""
    page = await keyset_page(Partner.all(), first=first, after=after, last=last, before=before)
    return map_page(page, PartnerRecord.from_row)


async def get_own_partner(*, partner_id: uuid.UUID | None) -> PartnerRecord | None:
    """The calling partner's own record."""
    row = await Partner.get_or_none(id=partner_id) if partner_id else None
    return PartnerRecord.from_row(row) if row is not None else None


async def visible_partner(*, principal: Principal, partner_id: uuid.UUID) -> PartnerRecord | None:
    """A partner the caller may see (staff any, a partner or its customer token its own), or None."""
    if not sees_partner(principal, partner_id):
        return None
    row = await Partner.get_or_none(id=partner_id)
    return PartnerRecord.from_row(row) if row is not None else None


async def visible_api_client(*, principal: Principal, api_client_id: uuid.UUID) -> ApiClientRecord | None:
    """An API client the caller may see (staff with partners:read any, a partner its own), or None."""
    row = await partner_scoped(ApiClient, principal).get_or_none(id=api_client_id)
    return ApiClientRecord.from_row(row) if row is not None else None


async def partners_by_ids(*, principal: Principal, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, PartnerRecord]:
    """The partners among these ids the caller may see (staff any, others their own), by id, in one query."""
    visible = [partner_id for partner_id in partner_ids if sees_partner(principal, partner_id)]
    if not visible:
        return {}
    return {row.id: PartnerRecord.from_row(row) for row in await Partner.filter(id__in=visible)}
