"""Domain events (the outbox): one row per business fact, written in the transaction that makes it true."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import DomainEvent

EVENT_TYPES = frozenset({
    "kyc.submitted", "kyc.approved", "kyc.rejected", "kyc.needs_info",
    "customer.held", "customer.released", "customer.blocked",
    "transaction.held", "transaction.released", "transaction.rejected",
    "wallet.frozen", "wallet.unfrozen", "aml.alert_raised",
    # Account management: field names and global facts only, never the values (PII).
    "customer.updated", "customer.closed", "customer.limits_changed", "wallet.closed", "wallet.renamed",
})


# Events for the bank's own consumers, never routed to a partner: telling a
# partner (and so perhaps its customer) which AML rule fired would tip them off.
INTERNAL_EVENT_TYPES = frozenset({"aml.alert_raised"})


async def record_domain_event(
    *, type: str, partner_id: uuid.UUID | None, object_type: str, object_id: uuid.UUID | str,
    payload: dict[str, Any], using_db: BaseDBAsyncClient,
) -> DomainEvent:
    """Append one event inside the caller's transaction (`using_db`), so it commits with the change or not at all."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown domain event type {type!r}")
    if type in INTERNAL_EVENT_TYPES:
        payload, partner_id = {**payload, "partnerId": str(partner_id) if partner_id else None}, None
    return await DomainEvent.create(
        type=type, partner_id=partner_id, object_type=object_type, object_id=str(object_id),
        payload=payload, using_db=using_db,
    )
