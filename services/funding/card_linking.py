"""cardLink and cardRemove: check the card, let the processor tokenise it, keep only the token and what is shown.

The card number and CVV live only in this request's memory: they are passed
to the processor and dropped. Nothing here logs, audits or raises them.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer
from models.funding import Card, CardStatus
from services import clock
from services.authority import is_staff
from services.customer_status import lock_open_customer
from services.errors import CardDeclined, Forbidden, FundingSourceStateConflict, NotFound
from services.funding.card_processor import card_processor
from services.funding.card_rules import check_card
from services.funding.events import card_event
from services.funding.records import CardRecord
from services.scoping import get_scoped, partner_scoped
from services.validation import clean_name


async def link_card(
    *, principal: Principal, customer_id: uuid.UUID | None, card_number: str | None, expiry_month: int,
    expiry_year: int, holder_name: str | None, cvv: str | None = None,
) -> CardRecord:
    """A new ACTIVE card of the customer: INVALID_CARD, CARD_DECLINED or VALIDATION otherwise (nothing stored)."""
    if is_staff(principal):
        raise Forbidden("bank staff do not link customers' cards")
    holder = clean_name(holder_name, field="holderName", max_len=200)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    clean = check_card(number=card_number, expiry_month=expiry_month, expiry_year=expiry_year, cvv=cvv, now=clock.now())
    answer = await card_processor().tokenise(number=clean.number, expiry_month=clean.expiry_month,
                                             expiry_year=clean.expiry_year, cvv=clean.cvv)
    if answer.token is None:
        raise CardDeclined(f"the card processor declined the card ({answer.decline_reason})", field=["cardNumber"])
    async with in_transaction() as conn:
        await lock_open_customer(customer.id, field=["customerId"])
        row = await Card.create(
            partner_id=customer.partner_id, customer_id=customer.id, processor_token=answer.token,  # type: ignore[attr-defined]
            brand=clean.brand, last_four=clean.last_four, expiry_month=clean.expiry_month,
            expiry_year=clean.expiry_year, holder_name=holder, status=CardStatus.ACTIVE, using_db=conn,
        )
        await card_event("card.linked", row, using_db=conn)
    return CardRecord.from_row(row)


async def remove_card(*, principal: Principal, card_id: uuid.UUID | None) -> CardRecord:
    """Unlink an ACTIVE card (records card.removed)."""
    if is_staff(principal):
        raise Forbidden("bank staff do not unlink customers' cards")
    async with in_transaction() as conn:
        row = await partner_scoped(Card, principal).select_for_update().get_or_none(id=card_id) if card_id else None
        if row is None:
            raise NotFound("card not found", field=["cardId"])
        if row.status != CardStatus.ACTIVE:
            raise FundingSourceStateConflict("the card is already removed", field=["cardId"])
        row.status = CardStatus.REMOVED
        await row.save(using_db=conn, update_fields=["status", "updated_at"])
        await card_event("card.removed", row, using_db=conn)
    return CardRecord.from_row(row)
