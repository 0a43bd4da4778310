"""kycReview: compliance approves (with a tier), rejects, or asks for more information on a PENDING submission.

One transaction: a conditional UPDATE that only moves a PENDING row (so two
officers deciding at once cannot both succeed), the customer's status and
tier, and the outbox event. Cached tiers are forgotten after the commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, KycSubmission
from models.enums import KycStatus
from services.authority import require_staff
from services.compliance.standing_channel import announce_standing_changed
from services.errors import KycAlreadyReviewed, NotFound, ValidationFailed
from services.events import record_domain_event
from services.kyc.records import KycSubmissionRecord
from services.kyc.tiers import validate_tier
from services.validation import clean_reason

REVIEW_PERMISSION = "kyc:review"
MAX_REASON_CHARS = 1000
OUTCOMES: dict[str, tuple[KycStatus, str]] = {
    "APPROVE": (KycStatus.APPROVED, "kyc.approved"),
    "REJECT": (KycStatus.REJECTED, "kyc.rejected"),
    "NEEDS_INFO": (KycStatus.NEEDS_INFO, "kyc.needs_info"),
}


def _check_decision(decision: str, tier: int | None) -> None:
    if decision not in OUTCOMES:
        raise ValidationFailed("decision must be APPROVE, REJECT or NEEDS_INFO", field=["decision"])
    if decision == "APPROVE" and tier is None:
        raise ValidationFailed("an approval grants a tier", field=["tier"])
    if decision != "APPROVE" and tier is not None:
        raise ValidationFailed("only an approval grants a tier", field=["tier"])


async def review_kyc(
    *, principal: Principal, submission_id: uuid.UUID | None, decision: str, reason: str | None, tier: int | None,
) -> KycSubmissionRecord:
    """Decide a PENDING submission and update the customer's KYC status and tier accordingly."""
    require_staff(principal, REVIEW_PERMISSION)
    _check_decision(decision, tier)
    text = clean_reason(reason, max_len=MAX_REASON_CHARS)
    return await decide_submission(
        submission_id=submission_id, decision=decision, reason=text, tier=tier, reviewed_by=principal.subject[:64]
    )


async def decide_submission(
    *, submission_id: uuid.UUID | None, decision: str, reason: str | None, tier: int | None, reviewed_by: str,
) -> KycSubmissionRecord:
    """The decision itself, once the caller was checked: kycReview (a reviewer), or a sandbox magic value (services.kyc.sandbox)."""
    _check_decision(decision, tier)
    status, event = OUTCOMES[decision]
    if submission_id is None:
        raise NotFound("KYC submission not found", field=["submissionId"])
    async with in_transaction() as conn:
        submission = await KycSubmission.get_or_none(id=submission_id).using_db(conn)
        if submission is None:
            raise NotFound("KYC submission not found", field=["submissionId"])
        if submission.status != KycStatus.PENDING:
            raise KycAlreadyReviewed(f"this submission was already decided ({submission.status.value})", field=["submissionId"])
        customer = await Customer.filter(id=submission.customer_id).using_db(conn).select_for_update().get()
        if tier is not None:
            await validate_tier(customer, tier)
        now = datetime.now(timezone.utc)
        moved = await KycSubmission.filter(id=submission.id, status=KycStatus.PENDING).using_db(conn).update(
            status=status, open_customer_key=None, tier_granted=tier, review_reason=reason,
            reviewed_by=reviewed_by[:64], reviewed_at=now,
        )
        if moved != 1:
            # Another officer decided it between our read and this update.
            raise KycAlreadyReviewed("this submission was already decided", field=["submissionId"])
        customer.kyc_status = status
        if status == KycStatus.APPROVED:
            customer.kyc_tier = tier  # type: ignore[assignment]
        elif status == KycStatus.REJECTED:
            customer.kyc_tier = 0
        await customer.save(update_fields=["kyc_status", "kyc_tier"], using_db=conn)
        await record_domain_event(
            type=event, partner_id=submission.partner_id, object_type="KycSubmission", object_id=submission.id,
            payload={"submissionId": str(submission.id), "customerId": str(customer.id), "tier": customer.kyc_tier},
            using_db=conn,
        )
    await announce_standing_changed()
    return KycSubmissionRecord.from_row(await KycSubmission.get(id=submission.id))
