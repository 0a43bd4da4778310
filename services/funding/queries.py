"""Reading linked bank accounts and cards: the customer's partner, that customer's own token, bank staff."""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import Customer
from models.funding import BankAccount, Card
from services.authority import is_staff, require_staff
from services.errors import NotFound
from services.funding.records import BankAccountRecord, CardRecord
from services.pagination import Page, keyset_page, map_page
from services.scoping import get_scoped, partner_scoped

STAFF_PERMISSION = "customers:read"


def _visible(model: type[BankAccount] | type[Card], principal: Principal) -> QuerySet:
    """The rows the caller may read (refuses staff without customers:read)."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    return partner_scoped(model, principal)


async def get_bank_account(*, principal: Principal, bank_account_id: uuid.UUID | None) -> BankAccountRecord:
    """One bank account the caller may read, or NOT_FOUND."""
    row = await _visible(BankAccount, principal).get_or_none(id=bank_account_id) if bank_account_id else None
    if row is None:
        raise NotFound("bank account not found", field=["id"])
    return BankAccountRecord.from_row(row)


async def get_card(*, principal: Principal, card_id: uuid.UUID | None) -> CardRecord:
    """One card the caller may read, or NOT_FOUND."""
    row = await _visible(Card, principal).get_or_none(id=card_id) if card_id else None
    if row is None:
        raise NotFound("card not found", field=["id"])
    return CardRecord.from_row(row)


async def list_bank_accounts(
    *, principal: Principal, customer_id: uuid.UUID | None, first: int | None = None, after: str | None = None,
) -> Page[BankAccountRecord]:
    """A customer's linked bank accounts, oldest first (NOT_FOUND for a customer the caller cannot read)."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    query = _visible(BankAccount, principal).filter(customer_id=customer.id)
    return map_page(await keyset_page(query, first=first, after=after), BankAccountRecord.from_row)


async def list_cards(
    *, principal: Principal, customer_id: uuid.UUID | None, first: int | None = None, after: str | None = None,
) -> Page[CardRecord]:
    """A customer's linked cards, oldest first (NOT_FOUND for a customer the caller cannot read)."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    query = _visible(Card, principal).filter(customer_id=customer.id)
    return map_page(await keyset_page(query, first=first, after=after), CardRecord.from_row)
