"""Domain events (the outbox): one row per business fact, written in the transaction that makes it true."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import DomainEvent
# The types, versions and payload fields live in the catalogue. Internal
# types are for the bank's own consumers, never routed to a partner: telling a
# partner (and so perhaps its customer) which AML rule fired would tip them off.
from services.event_catalogue import EVENT_TYPES, INTERNAL_EVENT_TYPES, RESERVED_EVENT_TYPES, check_payload

__all__ = ["EVENT_TYPES", "INTERNAL_EVENT_TYPES", "record_domain_event"]


async def record_domain_event(
    *, type: str, partner_id: uuid.UUID | None, object_type: str, object_id: uuid.UUID | str,
    payload: dict[str, Any], using_db: BaseDBAsyncClient,
) -> DomainEvent:
    """Append one event inside the caller's transaction (`using_db`), so it commits with the change or not at all."""
    if type not in EVENT_TYPES or type in RESERVED_EVENT_TYPES:
        raise ValueError(f"unknown (or reserved) domain event type {type!r}")
    if type in INTERNAL_EVENT_TYPES:
        payload, partner_id = {**payload, "partnerId": str(partner_id) if partner_id else None}, None
    check_payload(type, payload)  # only the catalogue's documented fields reach the outbox
    return await DomainEvent.create(
        type=type, partner_id=partner_id, object_type=object_type, object_id=str(object_id),
        payload=payload, using_db=using_db,
    )
