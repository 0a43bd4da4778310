"""A beneficiary after creation: bank staff's review of a watchlist match, and deletion by its partner or customer."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Beneficiary
from services.audit import AuditNote, record_event
from services.authority import is_staff, require_staff
from services.beneficiaries.events import beneficiary_event
from services.beneficiaries.records import ACTIVE, DELETED, NEEDS_REVIEW, REJECTED, BeneficiaryRecord
from services.errors import BeneficiaryStateConflict, Forbidden, NotFound, ValidationFailed
from services.scoping import partner_scoped
from services.validation import clean_reason

REVIEW_PERMISSION = "funding:review"
APPROVE, REJECT = "APPROVE", "REJECT"


async def _locked_row(principal: Principal, beneficiary_id: uuid.UUID | None) -> Beneficiary:
    """The caller's beneficiary, locked for this transaction (NOT_FOUND for another partner's)."""
    row = None
    if beneficiary_id is not None:
        row = await partner_scoped(Beneficiary, principal).select_for_update().get_or_none(id=beneficiary_id)
    if row is None:
        raise NotFound("beneficiary not found", field=["beneficiaryId"])
    return row


async def review_beneficiary(
    *, principal: Principal, beneficiary_id: uuid.UUID | None, decision: str, reason: str | None, audit: AuditNote,
) -> BeneficiaryRecord:
    """Bank staff (funding:review) approve (ACTIVE) or reject (REJECTED) a NEEDS_REVIEW beneficiary, audited."""
    require_staff(principal, REVIEW_PERMISSION)
    if decision not in (APPROVE, REJECT):
        raise ValidationFailed("decision must be APPROVE or REJECT", field=["decision"])
    text = clean_reason(reason, max_len=500, min_len=3)
    async with in_transaction() as conn:
        row = await _locked_row(principal, beneficiary_id)
        if row.status != NEEDS_REVIEW:
            raise BeneficiaryStateConflict(f"the beneficiary is {row.status}, not NEEDS_REVIEW", field=["beneficiaryId"])
        row.status = ACTIVE if decision == APPROVE else REJECTED
        row.status_reason, row.reviewed_by = text, audit.actor.id[:64]
        await row.save(using_db=conn, update_fields=["status", "status_reason", "reviewed_by", "updated_at"])
        await beneficiary_event("beneficiary.reviewed", row, using_db=conn)
        # Written with the decision: a review without its audit row cannot commit.
        await record_event(
            actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Beneficiary",
            object_id=str(row.id), request_id=audit.request_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
            detail=f"beneficiaryId={row.id} decision={decision} status={row.status} reason={text}",
        )
    return BeneficiaryRecord.from_row(row, audited=True)


async def delete_beneficiary(*, principal: Principal, beneficiary_id: uuid.UUID | None) -> BeneficiaryRecord:
    """Delete a beneficiary (kept as DELETED for its past transfers' travel-rule records; nothing more is paid to it)."""
    if is_staff(principal):
        raise Forbidden("bank staff do not delete customers' beneficiaries")
    async with in_transaction() as conn:
        row = await _locked_row(principal, beneficiary_id)
        if row.status == DELETED:
            raise BeneficiaryStateConflict("the beneficiary is already deleted", field=["beneficiaryId"])
        row.status = DELETED
        await row.save(using_db=conn, update_fields=["status", "updated_at"])
        await beneficiary_event("beneficiary.deleted", row, using_db=conn)
    return BeneficiaryRecord.from_row(row)
