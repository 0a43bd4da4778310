"""Reading bulk payouts: one batch with its live progress, and its lines (the validation report and results)."""

from __future__ import annotations

import uuid

from tortoise.functions import Count, Sum

from auth.principal import Principal
from models.bulk_payout import BulkPayout, BulkPayoutLine
from services.business.bulk_records import (
    LINE_FAILED, LINE_INVALID, LINE_PAID, LINE_PENDING, BulkLineRecord, BulkPayoutRecord, LineCounts,
)
from services.business.member_permissions import MemberAction
from services.business.members import acting_member
from services.business.member_permissions import require_action
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, map_page, page_window, window_page
from services.scoping import sees_row

LINE_STATUSES = (LINE_INVALID, LINE_PENDING, LINE_PAID, LINE_FAILED)


async def line_counts(batch_id: uuid.UUID) -> LineCounts:
    """How many lines are pending, paid, failed and invalid, and how much is paid: one grouped statement."""
    rows = await (BulkPayoutLine.filter(bulk_payout_id=batch_id).annotate(n=Count("id"), paid=Sum("amount_minor"))
                  .group_by("status").values("status", "n", "paid"))
    by_status = {row["status"]: row for row in rows}

    def n(status: str) -> int:
        return int(by_status[status]["n"]) if status in by_status else 0

    paid_minor = int(by_status[LINE_PAID]["paid"] or 0) if LINE_PAID in by_status else 0
    return LineCounts(pending=n(LINE_PENDING), paid=n(LINE_PAID), failed=n(LINE_FAILED), invalid=n(LINE_INVALID),
                      paid_minor=paid_minor)


async def record_of(row: BulkPayout, *, replayed: bool = False) -> BulkPayoutRecord:
    """The record of a batch with its lines' counts as they stand now."""
    return BulkPayoutRecord.of(row, await line_counts(row.id), replayed=replayed)


async def visible_batch(principal: Principal, batch_id: uuid.UUID | None, *, field: list[str]) -> BulkPayout:
    """A batch the caller may read: its partner, the business's own tokens (a removed member's: refused), staff."""
    row = await BulkPayout.get_or_none(id=batch_id) if batch_id is not None else None
    if row is None or not sees_row(principal, partner_id=row.partner_id, customer_id=row.customer_id):  # type: ignore[attr-defined]
        raise NotFound("bulk payout not found", field=field)
    member = await acting_member(principal, row.customer_id)  # type: ignore[attr-defined]
    if member is not None:
        require_action(member.role, MemberAction.VIEW, field=field)
    return row


async def get_bulk_payout(*, principal: Principal, bulk_payout_id: uuid.UUID | None) -> BulkPayoutRecord:
    """bulkPayout(id) and node(id:): the batch and its progress."""
    return await record_of(await visible_batch(principal, bulk_payout_id, field=["id"]))


async def bulk_payout_lines(
    *, principal: Principal, bulk_payout_id: uuid.UUID, status: str | None, first: int | None, after: str | None,
) -> Page[BulkLineRecord]:
    """A batch's lines in file order, optionally only those of one status (INVALID: the validation report)."""
    batch = await visible_batch(principal, bulk_payout_id, field=["id"])
    window = page_window(first=first, after=after)
    query = BulkPayoutLine.filter(bulk_payout_id=batch.id)
    if status is not None:
        if status not in LINE_STATUSES:
            raise ValidationFailed(f"status is one of {', '.join(LINE_STATUSES)}", field=["status"])
        query = query.filter(status=status)
    page = await window_page(query, window)
    return map_page(page, lambda row: BulkLineRecord.of(row, batch.currency))


async def get_bulk_payout_line(*, principal: Principal, line_id: uuid.UUID | None) -> BulkLineRecord:
    """node(id:) of one line: readable by whoever may read its batch."""
    row = await BulkPayoutLine.get_or_none(id=line_id) if line_id is not None else None
    if row is None:
        raise NotFound("bulk payout line not found", field=["id"])
    batch = await visible_batch(principal, row.bulk_payout_id, field=["id"])  # type: ignore[attr-defined]
    return BulkLineRecord.of(row, batch.currency)
