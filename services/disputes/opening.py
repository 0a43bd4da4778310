"""disputeOpen: a ticket about a payment to a merchant becomes a dispute; disputeRespond: the merchant answers.

The dispute is opened by the ticket's own side (the payer's partner or the customer's token) or by support
staff, once per ticket, for what remains refundable on the payment. The merchant's partner is told
(dispute.opened) and may answer with its evidence until respondBy (RESPONSE_WINDOW after the opening, by the
one clock); after that RESPONSE_DEADLINE_PASSED, and staff decide on what they have.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Dispute, Payment, Transaction
from models.dispute import DisputeReason, DisputeStatus
from models.enums import TransactionStatus
from services import clock
from services.audit import AuditNote, record_event
from services.authority import is_staff, require_partner_token
from services.disputes.access import visible_dispute
from services.disputes.announce import dispute_event
from services.disputes.records import DisputeRecord
from services.errors import AlreadyExists, DisputeStateConflict, NotDisputable, NotFound, ResponseDeadlinePassed, ValidationFailed
from services.pagination import enum_filter
from services.support.access import require_desk, visible_ticket
from services.support.tickets import MAX_MESSAGE_CHARS, masked_text
from services.scoping import of_partner

RESPONSE_WINDOW = timedelta(days=7)  # how long the merchant's partner has to answer


async def audit_dispute(audit: AuditNote | None, dispute: Dispute, partner_id: uuid.UUID) -> None:
    """The audit row of a change to the dispute, inside the change's transaction (filed under `partner_id`)."""
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Dispute",
                           object_id=str(dispute.id), request_id=audit.request_id, partner_id=partner_id)


async def _disputed_payment(transaction_id: uuid.UUID | None) -> Payment:
    """The payment the ticket's transaction made (POSTED, something left to refund), or NOT_DISPUTABLE."""
    payment = await Payment.get_or_none(transaction_id=transaction_id) if transaction_id is not None else None
    if payment is None:
        raise NotDisputable("the ticket names no payment to a merchant", field=["ticketId"])
    status = await Transaction.filter(id=transaction_id).first().values_list("status", flat=True)
    if status is None or TransactionStatus(status) is not TransactionStatus.POSTED:
        raise NotDisputable("only a posted payment can be disputed", field=["ticketId"])
    if payment.amount_minor - payment.refunded_minor <= 0:
        raise NotDisputable("the payment was refunded in full already", field=["ticketId"])
    return payment


async def open_dispute(*, principal: Principal, ticket_id: uuid.UUID | None, reason_code: str | None,
                       audit: AuditNote | None = None) -> DisputeRecord:
    """Open the dispute of a ticket's payment (once per ticket) and notify both partners."""
    if is_staff(principal):
        require_desk(principal)
    reason = enum_filter(DisputeReason, reason_code, field="reasonCode")
    if reason is None:
        raise ValidationFailed("reasonCode is required", field=["reasonCode"])
    ticket = await visible_ticket(principal, ticket_id)
    payment = await _disputed_payment(ticket.transaction_id)  # type: ignore[attr-defined]
    if await Dispute.exists(ticket_id=ticket.id):
        raise AlreadyExists("the ticket's dispute was opened already", field=["ticketId"])
    now = clock.now()
    try:
        async with in_transaction() as conn:
            dispute = await Dispute.create(
                ticket_id=ticket.id, payment_id=payment.id, partner_id=payment.partner_id,  # type: ignore[attr-defined]
                merchant_partner_id=payment.merchant_partner_id, reason_code=reason.value,  # type: ignore[attr-defined]
                status=DisputeStatus.AWAITING_MERCHANT.value, currency=payment.currency,
                amount_minor=payment.amount_minor - payment.refunded_minor, respond_by=now + RESPONSE_WINDOW,
                created_at=now, updated_at=now, using_db=conn,
            )
            await dispute_event("dispute.opened", dispute, payment, using_db=conn)
            await audit_dispute(audit, dispute, payment.partner_id)  # type: ignore[attr-defined]
    except IntegrityError:  # a concurrent disputeOpen of the same ticket won
        raise AlreadyExists("the ticket's dispute was opened already", field=["ticketId"]) from None
    return DisputeRecord.of(dispute, audited=audit is not None)


async def respond(*, principal: Principal, dispute_id: uuid.UUID | None, evidence: str | None,
                  audit: AuditNote | None = None) -> DisputeRecord:
    """The merchant's partner answers a dispute with its evidence (masked), before respondBy, once."""
    require_partner_token(principal)
    text = masked_text(evidence, field="evidence", max_len=MAX_MESSAGE_CHARS)
    async with in_transaction() as conn:
        dispute = await visible_dispute(principal, dispute_id)
        if not of_partner(principal.partner_id, dispute.merchant_partner_id):  # type: ignore[attr-defined]
            raise NotFound("dispute not found", field=["disputeId"])  # the payer's side does not answer for the merchant
        dispute = await Dispute.select_for_update().get(id=dispute.id)  # one answer, and not after a decision
        if dispute.status != DisputeStatus.AWAITING_MERCHANT.value:
            raise DisputeStateConflict(f"the dispute is {dispute.status}: it takes no answer now", field=["disputeId"])
        now = clock.now()
        if now > dispute.respond_by:
            raise ResponseDeadlinePassed("the dispute's respondBy has passed", field=["disputeId"])
        dispute.evidence, dispute.responded_at, dispute.updated_at = text, now, now
        dispute.status = DisputeStatus.UNDER_REVIEW.value
        await dispute.save(using_db=conn, update_fields=["evidence", "responded_at", "status", "updated_at"])
        payment = await Payment.get(id=dispute.payment_id)  # type: ignore[attr-defined]
        await dispute_event("dispute.responded", dispute, payment, using_db=conn)
        await audit_dispute(audit, dispute, dispute.merchant_partner_id)  # type: ignore[attr-defined]
    return DisputeRecord.of(dispute, audited=audit is not None)
