"""disputeDecide: bank staff with disputes:decide decide a dispute; for the customer, the refund posts.

A decision waits for the merchant: while the dispute is AWAITING_MERCHANT and its respondBy has not passed,
deciding is INVALID_STATE. FOR_MERCHANT ends the dispute. FOR_CUSTOMER gives back what the dispute is about
(at most what still remains refundable) through the payments refund service (services.payments.refunds, one
REFUND posting of the one posting engine, from the merchant's settlement wallet to the payer's wallet): the
bank acts for the merchant's partner, as a card scheme charges a chargeback back, and the staff member is the
audited actor. Exactly once:

1. the decision is claimed first (the row locked: DECIDING with its outcome), so two staff members deciding at
   once get one decision, and a FOR_MERCHANT cannot land beside a refund;
2. the refund's idempotency key is the dispute's own (`dispute-<id>`), so a retry after a crash between the
   refund and step 3 (the same outcome on a dispute left DECIDING for RESUME_AFTER) replays the same refund
   instead of paying twice; a decision still in flight is INVALID_STATE for everyone else;
3. the dispute is then DECIDED with its refund (only while still DECIDING), and both partners get
   dispute.decided once.

A refused refund (the merchant's settlement wallet cannot cover it, say) puts the dispute back as it was and
answers the refund's own error: nothing moved.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from tortoise.transactions import in_transaction

from auth.principal import PARTNER, Principal
from models import Dispute, IdempotencyRecord, Payment, Refund
from models.dispute import DisputeOutcome, DisputeStatus
from services import clock
from services.audit import AuditNote
from services.authority import require_staff
from services.disputes.announce import dispute_event
from services.disputes.opening import audit_dispute
from services.disputes.records import DisputeRecord
from services.errors import DisputeStateConflict, DomainError, NotFound, ValidationFailed
from services.money import format_amount
from services.pagination import enum_filter
from services.partners.environment import partner_environment
from services.payments.refunds import refund
from services.scoping import of_tenant

PERMISSION = "disputes:decide"
# A FOR_CUSTOMER decision left DECIDING this long (its process died between refund and finish) may be retried.
RESUME_AFTER = timedelta(minutes=2)


async def _claim(dispute_id: uuid.UUID | None, outcome: DisputeOutcome, decided_by: str,
                 audit: AuditNote | None) -> tuple[Dispute, str]:
    """Lock the dispute and mark it decided (FOR_MERCHANT, with its event and audit row) or DECIDING (FOR_CUSTOMER);
    the status it had."""
    async with in_transaction() as conn:
        dispute = await Dispute.select_for_update().get_or_none(id=dispute_id) if dispute_id else None
        if dispute is None:
            raise NotFound("dispute not found", field=["disputeId"])
        before = dispute.status
        now = clock.now()
        resuming = (before == DisputeStatus.DECIDING.value and dispute.outcome == outcome.value
                    and dispute.updated_at <= now - RESUME_AFTER)
        if before in (DisputeStatus.DECIDED.value, DisputeStatus.DECIDING.value) and not resuming:
            raise DisputeStateConflict("the dispute was decided already (or is being decided)", field=["disputeId"])
        if before == DisputeStatus.AWAITING_MERCHANT.value and now <= dispute.respond_by:
            raise DisputeStateConflict("the merchant may still respond (until respondBy): decide after it answers"
                                       " or its time is up", field=["disputeId"])
        dispute.outcome, dispute.decided_by, dispute.updated_at = outcome.value, decided_by, now
        if outcome is DisputeOutcome.FOR_MERCHANT:
            dispute.status, dispute.decided_at = DisputeStatus.DECIDED.value, now
        else:
            dispute.status = DisputeStatus.DECIDING.value
        await dispute.save(using_db=conn, update_fields=["outcome", "decided_by", "updated_at", "status", "decided_at"])
        if outcome is DisputeOutcome.FOR_MERCHANT:
            await dispute_event("dispute.decided", dispute, await Payment.get(id=dispute.payment_id), using_db=conn)  # type: ignore[attr-defined]
            await audit_dispute(audit, dispute, dispute.merchant_partner_id)  # type: ignore[attr-defined]
    return dispute, before


async def _release_claim(dispute: Dispute, before: str) -> None:
    """Put a dispute whose refund was refused back as it was (only if this decision still holds it); a resumed
    claim (found DECIDING) goes back to UNDER_REVIEW, the state staff decide from."""
    status = DisputeStatus.UNDER_REVIEW.value if before == DisputeStatus.DECIDING.value else before
    await Dispute.filter(id=dispute.id, status=DisputeStatus.DECIDING.value).update(
        status=status, outcome=None, decided_by=None, updated_at=clock.now())


def _refund_key(dispute: Dispute) -> str:
    """The refund's idempotency key: the dispute's own, so its refund posts once however often it is decided."""
    return f"dispute-{dispute.id}"


async def _posted_refund(dispute: Dispute, payment: Payment) -> uuid.UUID | None:
    """The refund this dispute's key already posted (in the merchant partner's keys), if any."""
    posted = await of_tenant(IdempotencyRecord, payment.merchant_partner_id).filter(  # type: ignore[attr-defined]
        key=_refund_key(dispute)).first().values_list("transaction_id", flat=True)
    if posted is None:
        return None
    return await Refund.filter(transaction_id=posted).first().values_list("id", flat=True)  # type: ignore[return-value]


async def _acting_for_merchant(principal: Principal, merchant_partner_id: uuid.UUID) -> Principal:
    """The staff member acting as the merchant's partner for the refund (its books, its idempotency keys)."""
    environment = await partner_environment(merchant_partner_id)
    return replace(principal, kind=PARTNER, partner_id=merchant_partner_id, customer_id=None, role=None,
                   scopes=frozenset({"transactions:write"}),
                   environment=environment.value.lower() if environment is not None else principal.environment)


async def decide(*, principal: Principal, dispute_id: uuid.UUID | None, outcome: str | None,
                 audit: AuditNote | None = None) -> DisputeRecord:
    """Decide a dispute (staff with disputes:decide); FOR_CUSTOMER refunds through the payments refund service."""
    require_staff(principal, PERMISSION)
    decision = enum_filter(DisputeOutcome, outcome, field="outcome")
    if decision is None:
        raise ValidationFailed("outcome is required", field=["outcome"])
    dispute, before = await _claim(dispute_id, decision, principal.subject, audit)
    if decision is DisputeOutcome.FOR_MERCHANT:
        return DisputeRecord.of(dispute, audited=audit is not None)
    payment = await Payment.get(id=dispute.payment_id)  # type: ignore[attr-defined]
    # A retry of a decision interrupted after its refund posted finds that refund (and posts nothing more).
    refund_id = await _posted_refund(dispute, payment)
    # At most what still remains refundable: a merchant may have refunded part of it itself meanwhile.
    amount_minor = min(dispute.amount_minor, payment.amount_minor - payment.refunded_minor)
    if refund_id is None and amount_minor > 0:
        acting = await _acting_for_merchant(principal, payment.merchant_partner_id)  # type: ignore[attr-defined]
        try:
            record = await refund(
                principal=acting, payment_id=payment.id, amount=format_amount(amount_minor, payment.currency),
                reason=f"dispute decided for the customer ({dispute.reason_code})",
                idempotency_key=_refund_key(dispute), audit=audit,
            )
        except DomainError:
            await _release_claim(dispute, before)
            raise
        refund_id = record.id
    return await _finish(dispute.id, refund_id, payment, audit)


async def _finish(dispute_id: uuid.UUID, refund_id: uuid.UUID | None, payment: Payment,
                  audit: AuditNote | None) -> DisputeRecord:
    """DECIDED with its refund, the event and the audit row: once, by whoever still finds it DECIDING."""
    async with in_transaction() as conn:
        dispute = await Dispute.select_for_update().get(id=dispute_id)
        if dispute.status != DisputeStatus.DECIDING.value:
            return DisputeRecord.of(dispute)  # finished meanwhile by a retry of the same decision
        now = clock.now()
        dispute.status, dispute.decided_at, dispute.updated_at = DisputeStatus.DECIDED.value, now, now
        dispute.refund_id = refund_id  # type: ignore[attr-defined]
        await dispute.save(using_db=conn, update_fields=["status", "decided_at", "updated_at", "refund_id"])
        await dispute_event("dispute.decided", dispute, payment, using_db=conn)
        await audit_dispute(audit, dispute, dispute.merchant_partner_id)  # type: ignore[attr-defined]
    return DisputeRecord.of(dispute, audited=audit is not None)
