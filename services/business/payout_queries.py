"""Reading payout requests: one by id (node(id:)) and a business's list (businessPayoutRequests)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.business import PayoutRequest
from services.business.member_permissions import MemberAction
from services.business.members import authorize
from services.business.payout_decisions import visible_request
from services.business.payout_requests import APPROVED, EXPIRED, PENDING, REJECTED
from services.business.records import PayoutRequestRecord
from services.errors import ValidationFailed
from services.pagination import Page, keyset_page, map_page
from services.scoping import of_tenant

STATUSES = (PENDING, APPROVED, REJECTED, EXPIRED)


async def get_payout_request(*, principal: Principal, request_id: uuid.UUID | None) -> PayoutRequestRecord:
    """One payout request the caller may read (its partner, its business's tokens, staff)."""
    row = await visible_request(principal, request_id, field=["id"])
    await authorize(principal, row.customer_id, MemberAction.VIEW, field=["id"])  # type: ignore[attr-defined]
    return PayoutRequestRecord.of(row)


async def list_payout_requests(*, principal: Principal, customer_id: uuid.UUID | None, status: str | None,
                               first: int | None, after: str | None) -> Page[PayoutRequestRecord]:
    """A business's payout requests, newest first, optionally of one status."""
    actor = await authorize(principal, customer_id, MemberAction.VIEW, field=["customerId"])
    query = of_tenant(PayoutRequest, actor.customer.partner_id).filter(customer_id=actor.customer.id)  # type: ignore[attr-defined]
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed(f"status is one of {', '.join(STATUSES)}", field=["status"])
        query = query.filter(status=status)
    return map_page(await keyset_page(query, first=first, after=after, newest_first=True), PayoutRequestRecord.of)
