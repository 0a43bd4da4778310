"""Disputes over GraphQL: a ticket about a payment becomes a dispute, the merchant's partner answers, support
decides; for the customer a refund posts through the payments refund service (events, balances, the ledger), and
every refusal (late answer, early decision, wrong side, no payment, twice) changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models import AuditEvent, Dispute, DomainEvent, Refund
from services import clock
from services.ledger.verify import verify_ledger
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.support import object_uuid
from tests.api.ticket_support import (
    DISPUTE_DECIDE, DISPUTE_OPEN, DISPUTE_RESPOND, new_ticket, opened_dispute, paid_and_ticketed,
)

DISPUTE_NODE = "query($id: ID!) { node(id: $id) { ... on Dispute { id status evidence outcome refundId } } }"


async def test_a_dispute_decided_for_the_customer_refunds_through_the_engine(clients, staff):  # noqa: F811
    payer_partner, merchant_partner = await clients.partner(), await clients.partner()
    world = await paid_and_ticketed(payer_partner, merchant_partner, amount="80.00")
    payer_before = await payer_partner.balance(world.payer_wallet)
    merchant_before = await merchant_partner.balance(world.merchant_wallet)
    dispute = await opened_dispute(world)
    assert dispute["status"] == "AWAITING_MERCHANT" and dispute["amount"] == {"amount": "80.00", "currency": "CNY"}
    # The merchant's partner is told, and reads the dispute (not the payer's ticket).
    opened = await DomainEvent.filter(type="dispute.opened", object_id=str(object_uuid(dispute["id"])))
    assert {str(e.partner_id) for e in opened} == {payer_partner.partner_id, merchant_partner.partner_id}
    assert (await merchant_partner.ok(DISPUTE_NODE, {"id": dispute["id"]}))["node"]["status"] == "AWAITING_MERCHANT"
    assert (await merchant_partner.ok("query($id: ID!) { node(id: $id) { id } }", {"id": world.ticket}))["node"] is None
    answered = (await merchant_partner.ok(DISPUTE_RESPOND, {"input": {
        "disputeId": dispute["id"], "evidence": "Delivered on 3 May, signed by 13800138000."}}))["disputeRespond"]
    assert answered["userErrors"] == [] and answered["dispute"]["status"] == "UNDER_REVIEW"
    assert "13800138000" not in answered["dispute"]["evidence"]
    desk = await staff("support")
    decided = (await desk.ok(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"], "outcome": "FOR_CUSTOMER"}}))
    result = decided["disputeDecide"]
    assert result["userErrors"] == [], result
    assert result["dispute"]["status"] == "DECIDED" and result["dispute"]["outcome"] == "FOR_CUSTOMER"
    assert result["dispute"]["refundId"] is not None
    # The money came back to the payer from the merchant's settlement wallet, as one REFUND posting.
    assert await payer_partner.balance(world.payer_wallet) == f"{float(payer_before) + 80:.2f}"
    assert float(await merchant_partner.balance(world.merchant_wallet)) <= float(merchant_before) - 80 + 1e-9
    refund = await Refund.get(id=object_uuid(result["dispute"]["refundId"]))
    assert refund.amount_minor == 8000 and str(refund.payment_id) == str(object_uuid(world.payment["id"]))
    assert (await verify_ledger()).ok
    # Events and audit: payment.refunded and dispute.decided to both partners; the staff member is the actor.
    decided_events = await DomainEvent.filter(type="dispute.decided", object_id=str(object_uuid(dispute["id"])))
    assert len(decided_events) == 2 and all(e.payload["refundId"] == str(refund.id) for e in decided_events)
    assert await DomainEvent.filter(type="payment.refunded", object_id=str(refund.payment_id)).count() == 2
    audits = await AuditEvent.filter(operation="disputeDecide").order_by("-id").limit(2)
    assert all(a.actor_kind == "staff" and a.actor_id == str(desk.staff_id) for a in audits)
    # Decided once: a second decision is refused and no second refund posts.
    again = (await desk.ok(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"], "outcome": "FOR_CUSTOMER"}}))
    assert again["disputeDecide"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert await Refund.filter(payment_id=refund.payment_id).count() == 1


async def test_a_late_answer_is_refused_and_staff_decide_without_it(clients, staff):  # noqa: F811
    payer_partner, merchant_partner = await clients.partner(), await clients.partner()
    world = await paid_and_ticketed(payer_partner, merchant_partner, amount="25.00")
    desk = await staff("support")
    start = datetime.now(timezone.utc) - timedelta(days=30)
    with clock.frozen_at(start) as move:
        dispute = await opened_dispute(world, "DUPLICATE")
        early = (await desk.ok(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"], "outcome": "FOR_MERCHANT"}}))
        assert early["disputeDecide"]["userErrors"][0]["code"] == "INVALID_STATE"  # the merchant may still answer
        move(start + timedelta(days=7, seconds=1))
        late = (await merchant_partner.ok(DISPUTE_RESPOND, {"input": {"disputeId": dispute["id"], "evidence": "x"}}))
        assert late["disputeRespond"]["userErrors"][0]["code"] == "RESPONSE_DEADLINE_PASSED"
        row = await Dispute.get(id=object_uuid(dispute["id"]))
        assert row.evidence is None and row.status == "AWAITING_MERCHANT"
        payer_before = await payer_partner.balance(world.payer_wallet)
        decided = (await desk.ok(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"], "outcome": "FOR_MERCHANT"}}))
        assert decided["disputeDecide"]["dispute"]["outcome"] == "FOR_MERCHANT"
        assert decided["disputeDecide"]["dispute"]["refundId"] is None
        assert await payer_partner.balance(world.payer_wallet) == payer_before  # nothing moved


async def test_dispute_refusals_change_nothing(clients, staff):  # noqa: F811
    payer_partner, merchant_partner = await clients.partner(), await clients.partner()
    world = await paid_and_ticketed(payer_partner, merchant_partner, amount="30.00")
    # A ticket naming no payment cannot be disputed; a ticket is disputed once.
    plain = await new_ticket(payer_partner, world.payer_customer)
    refused = (await payer_partner.ok(DISPUTE_OPEN, {"input": {"ticketId": plain, "reasonCode": "NOT_RECEIVED"}}))
    assert refused["disputeOpen"]["userErrors"][0]["code"] == "NOT_DISPUTABLE"
    # The merchant's partner cannot open a dispute on the payer's ticket (it cannot see it).
    hidden = (await merchant_partner.ok(DISPUTE_OPEN, {"input": {"ticketId": world.ticket, "reasonCode": "DUPLICATE"}}))
    assert hidden["disputeOpen"]["userErrors"][0]["code"] == "NOT_FOUND"
    dispute = await opened_dispute(world)
    twice = (await payer_partner.ok(DISPUTE_OPEN, {"input": {"ticketId": world.ticket, "reasonCode": "DUPLICATE"}}))
    assert twice["disputeOpen"]["userErrors"][0]["code"] == "ALREADY_EXISTS"
    # Only the merchant's partner answers; once.
    wrong_side = (await payer_partner.ok(DISPUTE_RESPOND, {"input": {"disputeId": dispute["id"], "evidence": "x"}}))
    assert wrong_side["disputeRespond"]["userErrors"][0]["code"] == "NOT_FOUND"
    first = (await merchant_partner.ok(DISPUTE_RESPOND, {"input": {"disputeId": dispute["id"], "evidence": "proof"}}))
    assert first["disputeRespond"]["userErrors"] == []
    second = (await merchant_partner.ok(DISPUTE_RESPOND, {"input": {"disputeId": dispute["id"], "evidence": "more"}}))
    assert second["disputeRespond"]["userErrors"][0]["code"] == "INVALID_STATE"
    # Only disputes:decide decides.
    for role in ("compliance", "analyst"):
        forbidden = await (await staff(role)).gql(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"],
                                                                             "outcome": "FOR_CUSTOMER"}})
        assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A refund the merchant's wallet cannot cover is refused whole: the dispute stays as it was, nothing moved.
    drained = await merchant_partner.withdraw(world.merchant_wallet, await merchant_partner.balance(world.merchant_wallet))
    assert drained["userErrors"] == [], drained
    payer_before = await payer_partner.balance(world.payer_wallet)
    desk = await staff("support")
    short = (await desk.ok(DISPUTE_DECIDE, {"input": {"disputeId": dispute["id"], "outcome": "FOR_CUSTOMER"}}))
    assert short["disputeDecide"]["userErrors"][0]["code"] == "INSUFFICIENT_FUNDS"
    row = await Dispute.get(id=object_uuid(dispute["id"]))
    assert row.status == "UNDER_REVIEW" and row.outcome is None and row.refund_id is None  # type: ignore[attr-defined]
    assert await payer_partner.balance(world.payer_wallet) == payer_before
