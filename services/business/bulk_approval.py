"""bulkPayoutApprove: the maker-checker rule applied to a batch's total (services.business.approval_rule).

A batch whose valid lines add up to more than the business's approval threshold is AWAITING_APPROVAL when
uploaded, and bulkPayoutExecute refuses it (APPROVAL_REQUIRED) until a member with approval rights (the role table
of services.business.member_permissions: OWNER, ADMIN) approves it with its own member token. The member who
uploaded it can never approve it, whichever of its tokens it uses (SELF_APPROVAL_FORBIDDEN: identity is the member
id, not the token). A batch uploaded with the partner's own token has no maker member: any member with approval
rights may approve it. No funds are held while it waits: the balance is checked when it executes.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.bulk_payout import BulkPayout
from services import clock
from services.business.bulk_events import announce
from services.business.bulk_queries import record_of, visible_batch
from services.business.bulk_records import AWAITING_APPROVAL, READY, BulkPayoutRecord
from services.business.member_permissions import MemberAction
from services.business.members import authorize
from services.errors import BulkPayoutStateConflict, SelfApprovalForbidden

FIELD = ["bulkPayoutId"]


async def approve_bulk_payout(*, principal: Principal, bulk_payout_id: uuid.UUID | None) -> BulkPayoutRecord:
    """A second member approves a batch above the threshold: it becomes READY (bulk_payout.approved)."""
    row = await visible_batch(principal, bulk_payout_id, field=FIELD)
    actor = await authorize(principal, row.customer_id, MemberAction.APPROVE, field=FIELD, needs_member=True)  # type: ignore[attr-defined]
    if row.maker_member_id is not None and actor.member_id == row.maker_member_id:
        raise SelfApprovalForbidden("the member who uploaded the bulk payout cannot approve it", field=FIELD)
    async with in_transaction() as conn:
        # Guarded on the status: two approvals racing, one wins and the other is told the batch moved on.
        changed = await BulkPayout.filter(id=row.id, status=AWAITING_APPROVAL).using_db(conn).update(
            status=READY, checker_member_id=actor.member_id, approved_at=clock.now())
        if changed != 1:
            raise BulkPayoutStateConflict(f"the bulk payout is {row.status}, not waiting for approval", field=FIELD)
        row = await BulkPayout.get(id=row.id).using_db(conn)
        await announce(conn, "bulk_payout.approved", row, paid=0, failed=row.invalid_count,
                       amount_minor=row.total_minor)
    return await record_of(row)
