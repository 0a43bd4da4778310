"""Reading disputes: one by id, or a page of the caller's (either side of the payment), newest first."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.dispute import DisputeStatus
from services.disputes.access import visible_dispute, visible_disputes
from services.disputes.records import DisputeRecord
from services.pagination import Page, enum_filter, keyset_page, map_page


async def get_dispute(*, principal: Principal, dispute_id: uuid.UUID | None) -> DisputeRecord:
    """One dispute the caller may read, or NotFound."""
    return DisputeRecord.of(await visible_dispute(principal, dispute_id, field="id"))


async def list_disputes(*, principal: Principal, status: str | None, first: int | None,
                        after: str | None) -> Page[DisputeRecord]:
    """The disputes the caller may read (as payer's or merchant's partner, or staff), optionally in one status."""
    query = visible_disputes(principal)
    wanted = enum_filter(DisputeStatus, status, field="status")
    if wanted is not None:
        query = query.filter(status=wanted.value)
    return map_page(await keyset_page(query, first=first, after=after, newest_first=True), DisputeRecord.of)
