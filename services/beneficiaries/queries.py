"""Reading beneficiaries: the customer's partner, that customer's own token, bank staff (customers:read)."""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import Beneficiary, Customer
from services.authority import is_staff, require_staff
from services.beneficiaries.records import DELETED, BeneficiaryRecord
from services.errors import NotFound
from services.pagination import Page, keyset_page, map_page
from services.scoping import get_scoped, partner_scoped

STAFF_PERMISSION = "customers:read"


def _visible(principal: Principal) -> QuerySet[Beneficiary]:
    """The beneficiaries the caller may read (refuses staff without customers:read)."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    return partner_scoped(Beneficiary, principal)


async def get_beneficiary(*, principal: Principal, beneficiary_id: uuid.UUID | None) -> BeneficiaryRecord:
    """One beneficiary the caller may read, or NOT_FOUND."""
    row = await _visible(principal).get_or_none(id=beneficiary_id) if beneficiary_id else None
    if row is None:
        raise NotFound("beneficiary not found", field=["id"])
    return BeneficiaryRecord.from_row(row)


async def list_beneficiaries(
    *, principal: Principal, customer_id: uuid.UUID | None, first: int | None = None, after: str | None = None,
) -> Page[BeneficiaryRecord]:
    """A customer's beneficiaries (deleted ones left out), oldest first; NOT_FOUND for a customer not the caller's."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    query = _visible(principal).filter(customer_id=customer.id).exclude(status=DELETED)
    return map_page(await keyset_page(query, first=first, after=after), BeneficiaryRecord.from_row)
