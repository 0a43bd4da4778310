"""dispute.opened, .responded and .decided: one event for each partner of the payment (the payer's and the
merchant's; one when they are the same), in the change's own transaction."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Dispute, Payment
from services.events import record_domain_event
from services.ledger.announce import money


async def dispute_event(event_type: str, dispute: Dispute, payment: Payment, *, using_db: BaseDBAsyncClient) -> None:
    """Tell both partners of the payment what happened to its dispute (ids, states and Money only)."""
    payload = {"disputeId": str(dispute.id), "paymentId": str(payment.id),
               "merchantId": str(payment.merchant_id),  # type: ignore[attr-defined]
               "amount": money(dispute.amount_minor, dispute.currency), "disputeStatus": dispute.status}
    if event_type == "dispute.decided":
        payload["disputeOutcome"] = dispute.outcome
        if dispute.refund_id is not None:  # type: ignore[attr-defined]
            payload["refundId"] = str(dispute.refund_id)  # type: ignore[attr-defined]
    for partner_id in dict.fromkeys([dispute.merchant_partner_id, dispute.partner_id]):  # type: ignore[attr-defined]
        await record_domain_event(type=event_type, partner_id=partner_id, object_type="Dispute",
                                  object_id=dispute.id, payload=payload, using_db=using_db)
