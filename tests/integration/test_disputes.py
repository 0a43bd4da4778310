"""The dispute services on a real database: opening (once per ticket, payments only), the merchant's answer within
its window, staff decisions with the refund posted once through the payments refund service (and put back when the
refund is refused); who sees a dispute; and, on PostgreSQL, staff deciding at once get one decision and one refund."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models import Dispute, DomainEvent, Payment, Refund
from services import clock
from services.disputes import access, announce, deciding, opening, queries, records
from services.errors import (
    AlreadyExists, DisputeStateConflict, DomainError, Forbidden, NotDisputable, NotFound, ResponseDeadlinePassed,
)
from services.ledger.posting import post_top_up
from services.ledger.verify import verify_ledger
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.support.tickets import TicketOpening, open_ticket
from tests.conftest import requires_postgres
from tests.factories import next_id
from tests.integration.merchant_support import customer_token, merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def _paid_ticket(amount: str = "40.00"):
    """A payer of one partner paid a merchant of another; a ticket about it. (payer partner, shop, payer, payment, ticket)"""
    payer_partner, shop = await new_partner("dsp-payer"), await new_partner("dsp-shop")
    payer = await holder(payer_partner)
    await post_top_up(principal=payer_partner, wallet_id=payer.wallet_id, amount="200.00", idempotency_key=next_id("t"))
    merchant = await merchant_of(shop)
    request = await create_payment_request(principal=shop, merchant_id=merchant.id, amount=amount, single_use=True)
    payment = await pay(principal=payer_partner, from_wallet_id=payer.wallet_id, qr_payload=request.payload,
                        amount=None, idempotency_key=next_id("p"))
    ticket = await open_ticket(principal=payer_partner, opening=TicketOpening(
        customer_id=payer.customer_id, transaction_id=payment.transaction_id, category="PAYMENT", channel="PHONE",
        subject="Not received", message="Paid, nothing came"))
    return payer_partner, shop, payer, payment, ticket


async def _fund_settlement(shop, payment) -> None:
    """Top the merchant's settlement wallet up, so a refund can always be paid from it."""
    row = await Payment.get(id=payment.id).prefetch_related("merchant")
    await post_top_up(principal=shop, wallet_id=row.merchant.settlement_wallet_id, amount="100.00",  # type: ignore[attr-defined]
                      idempotency_key=next_id("sf"))


async def test_open_answer_and_decide_for_the_customer(database_url):
    payer_partner, shop, payer, payment, ticket = await _paid_ticket()
    dispute = await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="NOT_RECEIVED")
    assert isinstance(dispute, records.DisputeRecord) and dispute.amount_minor == 4000
    with pytest.raises(AlreadyExists):
        await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="DUPLICATE")
    with pytest.raises(NotFound):  # the payer's side does not answer for the merchant
        await opening.respond(principal=payer_partner, dispute_id=dispute.id, evidence="x")
    answered = await opening.respond(principal=shop, dispute_id=dispute.id, evidence="tracking 123")
    assert answered.status == "UNDER_REVIEW"
    assert (await queries.get_dispute(principal=shop, dispute_id=dispute.id)).evidence == "tracking 123"
    decided = await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_CUSTOMER")
    assert decided.status == "DECIDED" and decided.refund_id is not None
    refund = await Refund.get(id=decided.refund_id)
    assert refund.amount_minor == 4000 and (await Payment.get(id=payment.id)).refunded_minor == 4000
    assert (await verify_ledger()).ok
    assert await DomainEvent.filter(type="dispute.decided", object_id=str(dispute.id)).count() == 2


async def test_disputes_are_only_for_payments_and_decided_after_the_merchant(database_url):
    payer_partner, shop, payer, payment, ticket = await _paid_ticket("10.00")
    plain = await open_ticket(principal=payer_partner, opening=TicketOpening(
        customer_id=payer.customer_id, transaction_id=None, category="OTHER", channel="EMAIL", subject="s", message="m"))
    with pytest.raises(NotDisputable):
        await opening.open_dispute(principal=payer_partner, ticket_id=plain.id, reason_code="DUPLICATE")
    with pytest.raises(NotFound):
        await opening.open_dispute(principal=shop, ticket_id=ticket.id, reason_code="DUPLICATE")
    start = clock.now()
    with clock.frozen_at(start) as move:
        dispute = await opening.open_dispute(principal=customer_token(payer_partner, payer.customer_id),
                                             ticket_id=ticket.id, reason_code="DUPLICATE")
        with pytest.raises(DisputeStateConflict):
            await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_MERCHANT")
        with pytest.raises(Forbidden):
            await deciding.decide(principal=staff("compliance"), dispute_id=dispute.id, outcome="FOR_MERCHANT")
        move(start + opening.RESPONSE_WINDOW + timedelta(seconds=1))
        with pytest.raises(ResponseDeadlinePassed):
            await opening.respond(principal=shop, dispute_id=dispute.id, evidence="late")
        decided = await deciding.decide(principal=staff("admin"), dispute_id=dispute.id, outcome="FOR_MERCHANT")
        assert decided.outcome == "FOR_MERCHANT" and decided.refund_id is None
    # Who sees it: both partners (the customer token its own), staff with support:read; nobody else.
    other = await new_partner("dsp-other")
    assert [d.id for d in (await queries.list_disputes(principal=shop, status=None, first=10, after=None)).items] == [dispute.id]
    assert (await queries.list_disputes(principal=other, status=None, first=10, after=None)).items == []
    with pytest.raises(Forbidden):
        access.visible_disputes(staff("analyst"))
    assert await access.visible_dispute(customer_token(payer_partner, payer.customer_id), dispute.id)


async def test_a_refused_refund_puts_the_dispute_back(database_url):
    payer_partner, shop, payer, payment, ticket = await _paid_ticket("15.00")
    dispute = await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="WRONG_AMOUNT")
    await opening.respond(principal=shop, dispute_id=dispute.id, evidence="fine")
    row = await Payment.get(id=payment.id).prefetch_related("merchant")
    from services.ledger.posting import post_withdrawal
    from services.wallets import get_wallet

    wallet = await get_wallet(principal=shop, wallet_id=row.merchant.settlement_wallet_id)  # type: ignore[attr-defined]
    from services.money import format_amount

    await post_withdrawal(principal=shop, wallet_id=wallet.id, amount=format_amount(wallet.balance_minor, "CNY"),
                          idempotency_key=next_id("w"))
    with pytest.raises(DomainError) as refused:
        await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_CUSTOMER")
    assert refused.value.code == "INSUFFICIENT_FUNDS"
    again = await Dispute.get(id=dispute.id)
    assert again.status == "UNDER_REVIEW" and again.outcome is None
    assert await Refund.filter(payment_id=payment.id).count() == 0


async def test_the_event_helper_tells_both_partners(database_url):
    from tortoise.transactions import in_transaction

    payer_partner, shop, payer, payment, ticket = await _paid_ticket("5.00")
    dispute = await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="CANCELLED")
    row, paid = await Dispute.get(id=dispute.id), await Payment.get(id=payment.id)
    async with in_transaction() as conn:
        await announce.dispute_event("dispute.responded", row, paid, using_db=conn)
    events = await DomainEvent.filter(type="dispute.responded", object_id=str(dispute.id))
    assert {e.partner_id for e in events} == {payer_partner.partner_id, shop.partner_id}
    assert events[0].payload["amount"] == {"amount": "5.00", "currency": "CNY"}


@requires_postgres
async def test_staff_deciding_at_once_get_one_decision_and_one_refund(database_url):
    payer_partner, shop, payer, payment, ticket = await _paid_ticket("20.00")
    await _fund_settlement(shop, payment)
    dispute = await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="NOT_RECEIVED")
    await opening.respond(principal=shop, dispute_id=dispute.id, evidence="proof")
    outcomes = ["FOR_CUSTOMER"] * 8 + ["FOR_MERCHANT"] * 4

    async def one(outcome: str):
        try:
            return await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome=outcome)
        except DisputeStateConflict:
            return None

    results = await asyncio.gather(*(one(o) for o in outcomes))
    row = await Dispute.get(id=dispute.id)
    refunds = await Refund.filter(payment_id=payment.id).count()
    assert row.status in ("DECIDED",) and row.outcome in ("FOR_CUSTOMER", "FOR_MERCHANT")
    assert refunds == (1 if row.outcome == "FOR_CUSTOMER" else 0)
    winners = {r.outcome for r in results if r is not None}
    assert winners == {row.outcome}
    assert (await Payment.get(id=payment.id)).refunded_minor == (2000 if row.outcome == "FOR_CUSTOMER" else 0)
    assert (await verify_ledger()).ok


async def test_a_decision_interrupted_after_its_refund_is_finished_by_a_retry_without_paying_twice(database_url,
                                                                                                  monkeypatch):
    payer_partner, shop, payer, payment, ticket = await _paid_ticket("12.00")
    dispute = await opening.open_dispute(principal=payer_partner, ticket_id=ticket.id, reason_code="NOT_RECEIVED")
    await opening.respond(principal=shop, dispute_id=dispute.id, evidence="proof")
    finish = deciding._finish

    async def crash(*args, **kwargs):
        raise RuntimeError("the process died after the refund posted")

    start = clock.now()
    with clock.frozen_at(start) as move:
        monkeypatch.setattr(deciding, "_finish", crash)
        with pytest.raises(RuntimeError):
            await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_CUSTOMER")
        assert (await Dispute.get(id=dispute.id)).status == "DECIDING"
        assert await Refund.filter(payment_id=payment.id).count() == 1
        monkeypatch.setattr(deciding, "_finish", finish)
        with pytest.raises(DisputeStateConflict):  # in flight: nobody else decides meanwhile
            await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_CUSTOMER")
        move(start + deciding.RESUME_AFTER + timedelta(seconds=1))
        with pytest.raises(DisputeStateConflict):  # a stale claim resumes only with its own outcome
            await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_MERCHANT")
        done = await deciding.decide(principal=staff("support"), dispute_id=dispute.id, outcome="FOR_CUSTOMER")
    assert done.status == "DECIDED" and done.refund_id is not None
    assert await Refund.filter(payment_id=payment.id).count() == 1  # the retry replayed the refund
    assert (await Payment.get(id=payment.id)).refunded_minor == 1200
    assert await DomainEvent.filter(type="dispute.decided", object_id=str(dispute.id)).count() == 2  # one per partner
    assert (await verify_ledger()).ok
