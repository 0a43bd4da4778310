"""The funding source a rail may use now: a VERIFIED bank account or an ACTIVE card, else FUNDING_SOURCE_NOT_USABLE."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.funding import BankAccount, BankAccountStatus, Card, CardStatus
from services.errors import FundingSourceNotUsable, NotFound, ValidationFailed
from services.funding.records import BankAccountRecord, CardRecord
from services.scoping import partner_scoped


async def usable_bank_account(principal: Principal, bank_account_id: uuid.UUID | None) -> BankAccountRecord:
    """The caller's VERIFIED bank account; NOT_FOUND if not the caller's, FUNDING_SOURCE_NOT_USABLE if not VERIFIED."""
    row = await partner_scoped(BankAccount, principal).get_or_none(id=bank_account_id) if bank_account_id else None
    if row is None:
        raise NotFound("bank account not found", field=["bankAccountId"])
    if row.status != BankAccountStatus.VERIFIED:
        raise FundingSourceNotUsable(f"the bank account is {row.status.value}, not VERIFIED", field=["bankAccountId"])
    return BankAccountRecord.from_row(row)


async def usable_card(principal: Principal, card_id: uuid.UUID | None) -> CardRecord:
    """The caller's ACTIVE card; NOT_FOUND if not the caller's, FUNDING_SOURCE_NOT_USABLE if removed."""
    row = await partner_scoped(Card, principal).get_or_none(id=card_id) if card_id else None
    if row is None:
        raise NotFound("card not found", field=["cardId"])
    if row.status != CardStatus.ACTIVE:
        raise FundingSourceNotUsable(f"the card is {row.status.value}, not ACTIVE", field=["cardId"])
    return CardRecord.from_row(row)


async def usable_funding_source(principal: Principal, kind: str, source_id: uuid.UUID | None, *,
                                customer_id: uuid.UUID, currency: str):  # noqa: ANN201 - services.rails FundingSource
    """A rail's source (BANK_ACCOUNT or CARD): usable, the wallet customer's own, and (an account) in its currency."""
    from services.rails.sources import FundingSource  # the rails' own value type (imported late: rails import us)

    if kind == "BANK_ACCOUNT":
        account = await usable_bank_account(principal, source_id)
        if account.currency != currency:
            raise FundingSourceNotUsable(f"the bank account holds {account.currency}, the wallet {currency}",
                                         field=["bankAccountId"])
        owner, field = account.customer_id, "bankAccountId"
    elif kind == "CARD":
        card = await usable_card(principal, source_id)
        owner, field = card.customer_id, "cardId"
    else:
        raise ValidationFailed("the funding source is a BANK_ACCOUNT or a CARD", field=["sourceKind"])
    if owner != customer_id:
        raise FundingSourceNotUsable("the funding source belongs to another customer than the wallet's", field=[field])
    return FundingSource(kind=kind, id=source_id, customer_id=owner)  # type: ignore[arg-type]
