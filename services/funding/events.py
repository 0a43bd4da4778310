"""The domain events of linked funding sources: payloads carry ids and the masked number only."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models.funding import BankAccount, Card
from services.events import record_domain_event
from services.funding.bank_rules import masked


async def bank_account_event(event_type: str, row: BankAccount, *, using_db: BaseDBAsyncClient) -> None:
    """Record a bank_account.* event about the row as it now is."""
    await record_domain_event(
        type=event_type, partner_id=row.partner_id, object_type="BankAccount", object_id=row.id,  # type: ignore[attr-defined]
        payload={"bankAccountId": str(row.id), "customerId": str(row.customer_id),  # type: ignore[attr-defined]
                 "maskedNumber": masked(row.last_four), "status": row.status.value},
        using_db=using_db,
    )


async def card_event(event_type: str, row: Card, *, using_db: BaseDBAsyncClient) -> None:
    """Record a card.* event about the row as it now is (brand and last four only)."""
    await record_domain_event(
        type=event_type, partner_id=row.partner_id, object_type="Card", object_id=row.id,  # type: ignore[attr-defined]
        payload={"cardId": str(row.id), "customerId": str(row.customer_id),  # type: ignore[attr-defined]
                 "brand": row.brand, "lastFour": row.last_four},
        using_db=using_db,
    )
