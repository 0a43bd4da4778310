"""Reading merchants: a partner its own, a customer token its own customer's, bank staff (partners:read) every one."""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import Merchant
from models.enums import MerchantStatus
from services.authority import is_staff, require_staff
from services.errors import NotFound
from services.merchants.records import MerchantRecord
from services.pagination import Page, enum_filter, keyset_page, map_page
from services.scoping import partner_scoped

STAFF_PERMISSION = "partners:read"


def visible_merchants(principal: Principal) -> QuerySet[Merchant]:
    """The merchants the caller may read (refuses staff without partners:read)."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    return partner_scoped(Merchant, principal)  # a customer token: its own customer's merchants


async def visible_merchant_row(principal: Principal, merchant_id: uuid.UUID | None, *, field: list[str]) -> Merchant:
    """One merchant row the caller may read, or NotFound (another partner's answers like a missing one)."""
    row = await visible_merchants(principal).get_or_none(id=merchant_id) if merchant_id is not None else None
    if row is None:
        raise NotFound("merchant not found", field=field)
    return row


async def get_merchant(*, principal: Principal, merchant_id: uuid.UUID | None) -> MerchantRecord:
    """One merchant the caller may read, or NotFound."""
    return MerchantRecord.from_row(await visible_merchant_row(principal, merchant_id, field=["id"]))


async def list_merchants(
    *, principal: Principal, first: int | None = None, after: str | None = None, status: MerchantStatus | str | None = None,
) -> Page[MerchantRecord]:
    """The merchants the caller may read, oldest first, optionally only those in one status."""
    query = visible_merchants(principal)
    wanted = enum_filter(MerchantStatus, status, field="status")
    if wanted is not None:
        query = query.filter(status=wanted)
    return map_page(await keyset_page(query, first=first, after=after), MerchantRecord.from_row)
