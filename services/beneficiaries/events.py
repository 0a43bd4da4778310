"""The beneficiary.* domain events: ids, country, status and the masked number only (never the name or address)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Beneficiary
from services.events import record_domain_event
from services.funding.bank_rules import masked


async def beneficiary_event(event_type: str, row: Beneficiary, *, using_db: BaseDBAsyncClient) -> None:
    """Record a beneficiary.* event about the row as it now is."""
    await record_domain_event(
        type=event_type, partner_id=row.partner_id, object_type="Beneficiary", object_id=row.id,  # type: ignore[attr-defined]
        payload={"beneficiaryId": str(row.id), "customerId": str(row.customer_id),  # type: ignore[attr-defined]
                 "country": row.country, "maskedNumber": masked(row.last_four), "status": row.status},
        using_db=using_db,
    )
