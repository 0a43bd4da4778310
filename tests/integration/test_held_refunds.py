"""A refund the AML rules hold moves nothing until compliance decides, and neither does anything that follows from it.

RELEASE: the money moves, the discount's budget is given back to its campaign (the coupon's rule applies once the
payment is refunded in full), the points' share goes back, and both partners hear `payment.refunded`.
REJECT: nothing moved and nothing was given back; the refund's amount is refundable again.

The world: a test pack for PN holds any posting of at least 500.00 CNY from a wallet under 7 days old
(NEW_ACCOUNT_HIGH_VALUE). The payer's wallet is made 30 days old before it pays; the merchant's settlement wallet
opens the day of the payment, so the merchant's refund of it is held.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import AmlAlert, DomainEvent, Payment, PointsRedemption, Transaction, Wallet
from services import clock
from services.alert_decisions import resolve_alert
from services.coupons.campaigns import create_campaign
from services.coupons.checkout import DiscountAsk
from services.coupons.issuing import issue_coupons
from services.errors import RefundExceedsPayment
from services.ledger.posting import post_top_up
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from services.points.queries import points_balance
from tests.factories import next_id
from tests.integration.aml_support import hold_pack
from tests.integration.coupon_support import budget_state, coupon_status, terms
from tests.integration.merchant_support import merchant_of, staff
from tests.integration.points_support import ledger_ok, points_caught_up, points_world
from tests.integration.service_support import holder
from tests.integration.test_coupon_flow import _balance


async def _hold_pack() -> None:
    """PN: a new wallet's postings of 500.00 CNY or more are HELD; generous limits, nothing else."""
    await hold_pack("QA-HR-PN", "PN", {"NEW_ACCOUNT_HIGH_VALUE": {
        "severity": "HIGH", "action": "HOLD", "accountAgeDays": 7, "amountBps": 5_000}}, threshold_minor=100_000)


async def _world(*, points: bool):  # type: ignore[no-untyped-def]
    """The programme's world, a PN payer (its wallet made 30 days old, 1,600.00 CNY; with `points`, 300 points
    earned) and a PN merchant whose settlement wallet opens now.

    (The AML rule compares the posting's time with the wallet's stored created_at, which the database stamps: the
    payer's is moved back rather than the clock forward.)"""
    await _hold_pack()
    world = await points_world()
    payer = await holder(world.bank, country="PN", tier=1)
    for _ in range(4):  # each under the pack's 500.00 for a new wallet
        await post_top_up(principal=world.bank, wallet_id=payer.wallet_id, amount="400.00",
                          idempotency_key=next_id("hr-t"))
    await Wallet.filter(id=payer.wallet_id).update(created_at=clock.now() - timedelta(days=30))
    merchant = await merchant_of(world.bank, await holder(world.bank, kind="BUSINESS", country="PN", tier=1))
    if points:
        earned = await create_payment_request(principal=world.bank, merchant_id=merchant.id, amount="300.00",
                                              single_use=True)
        await pay(principal=world.bank, from_wallet_id=payer.wallet_id, qr_payload=earned.payload, amount=None,
                  idempotency_key=next_id("hr-e"))
        await points_caught_up()
        assert (await points_balance(world.program.id, payer.customer_id)).balance == 300
    return world, payer, merchant


async def _paid(world, payer, merchant, ask: DiscountAsk | None):  # type: ignore[no-untyped-def]
    request = await create_payment_request(principal=world.bank, merchant_id=merchant.id, amount="600.00",
                                           single_use=True)
    paid = await pay(principal=world.bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                     idempotency_key=next_id("hr-p"), discounts=ask)
    assert paid.status.value == "POSTED"  # the payer's wallet is 30 days old: not held
    return paid


async def _discounted(world, payer, merchant, *, points: bool):  # type: ignore[no-untyped-def]
    """A 600.00 payment with a 10.00 coupon (RESTORE) and, with `points`, 200 points (2.00)."""
    campaign = await create_campaign(principal=world.bank, terms=terms(
        funding_wallet_id=world.funding.wallet_id, stackable=True, refund_rule="RESTORE"))
    coupon = (await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                  customer_ids=[payer.customer_id])).coupons[0].id
    paid = await _paid(world, payer, merchant, DiscountAsk(
        coupon_ids=(coupon,), points=200 if points else None, points_program_id=world.program.id if points else None))
    return campaign, coupon, paid


async def _held_refund(world, paid, amount: str = "600.00"):  # type: ignore[no-untyped-def]
    refunded = await refund(principal=world.bank, payment_id=paid.id, amount=amount, reason="returned",
                            idempotency_key=next_id("hr-r"))
    transaction = await Transaction.get(id=refunded.transaction_id)
    assert transaction.status.value == "HELD"  # the merchant's wallet opened today: the AML rule holds it
    return refunded, transaction


async def _decide(transaction_id, decision: str) -> None:  # type: ignore[no-untyped-def]
    alert = await AmlAlert.get(transaction_id=transaction_id)
    await resolve_alert(principal=staff("compliance"), alert_id=alert.id, decision=decision, reason="reviewed")


async def _refunded_minor(payment_id) -> int:  # type: ignore[no-untyped-def]
    return (await Payment.get(id=payment_id)).refunded_minor


@pytest.mark.parametrize("points", [False, True], ids=["coupon", "coupon+points"])
async def test_a_held_refund_rejected_gives_nothing_back_and_is_refundable_again(database_url, points):
    world, payer, merchant = await _world(points=points)
    campaign, coupon, paid = await _discounted(world, payer, merchant, points=points)
    after_payment = await budget_state(campaign.id)
    assert after_payment == (10000, 1000, 9000)
    balances = (await _balance(payer.wallet_id), await _balance(merchant.settlement_wallet_id))
    held, transaction = await _held_refund(world, paid)
    # Held: no money moved, and nothing that follows from a refund happened.
    assert await budget_state(campaign.id) == after_payment
    assert await coupon_status(coupon) == "REDEEMED"
    assert await _refunded_minor(paid.id) == 60000  # the claim holds the amount while compliance decides
    await ledger_ok()
    await _decide(transaction.id, "REJECT")
    assert await budget_state(campaign.id) == after_payment  # the budget account was never paid back
    assert await coupon_status(coupon) == "REDEEMED"  # so the coupon stays used
    assert await _refunded_minor(paid.id) == 0  # refundable again
    assert (await _balance(payer.wallet_id), await _balance(merchant.settlement_wallet_id)) == balances
    if points:
        assert (await points_balance(world.program.id, payer.customer_id)).balance == 100
        assert (await PointsRedemption.get(payment_id=paid.id)).returned_points == 0
    assert not await DomainEvent.filter(type="payment.refunded", object_id=str(paid.id)).exists()
    await ledger_ok()
    # A week later the merchant's wallet is no longer new: the whole amount can be refunded, and is.
    with clock.frozen_at(clock.now() + timedelta(days=8)):
        again = await refund(principal=world.bank, payment_id=paid.id, amount="600.00", reason="returned",
                             idempotency_key=next_id("hr-r"))
        assert (await Transaction.get(id=again.transaction_id)).status.value == "POSTED"
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    assert await coupon_status(coupon) == "ISSUED"  # RESTORE, now that the money of the whole payment came back
    if points:
        assert (await points_balance(world.program.id, payer.customer_id)).balance == 300
    await ledger_ok()


@pytest.mark.parametrize("points", [False, True], ids=["coupon", "coupon+points"])
async def test_a_held_refund_released_gives_budget_coupon_and_points_back_then(database_url, points):
    world, payer, merchant = await _world(points=points)
    campaign, coupon, paid = await _discounted(world, payer, merchant, points=points)
    payer_before = await _balance(payer.wallet_id)
    held, transaction = await _held_refund(world, paid)
    assert await budget_state(campaign.id) == (10000, 1000, 9000)
    assert not await DomainEvent.filter(type="payment.refunded", object_id=str(paid.id)).exists()
    await _decide(transaction.id, "RELEASE")
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    assert await coupon_status(coupon) == "ISSUED"
    assert await _refunded_minor(paid.id) == 60000
    # The payer gets back what it paid: 600.00 less the coupon's 10.00, less the points' 2.00 it was paid by the
    # programme, which the points' return takes back with the points.
    assert await _balance(payer.wallet_id) - payer_before == 60000 - 1000 - (200 if points else 0)
    if points:
        assert (await points_balance(world.program.id, payer.customer_id)).balance == 300
    events = await DomainEvent.filter(type="payment.refunded", object_id=str(paid.id))
    assert [e.payload["refundId"] for e in events] == [str(held.id)]  # one partner: the merchant's is the payer's
    await ledger_ok()
    with pytest.raises(RefundExceedsPayment):
        await refund(principal=world.bank, payment_id=paid.id, amount="0.01", reason="more",
                     idempotency_key=next_id("hr-r"))


async def test_a_plain_held_refund_rejected_makes_its_amount_refundable_again(database_url):
    world, payer, merchant = await _world(points=False)
    paid = await _paid(world, payer, merchant, None)
    held, transaction = await _held_refund(world, paid, "550.00")
    with pytest.raises(RefundExceedsPayment):  # the held 550.00 counts while compliance decides
        await refund(principal=world.bank, payment_id=paid.id, amount="50.01", reason="x",
                     idempotency_key=next_id("hr-r"))
    await _decide(transaction.id, "REJECT")
    assert await _refunded_minor(paid.id) == 0
    small = await refund(principal=world.bank, payment_id=paid.id, amount="400.00", reason="part",
                         idempotency_key=next_id("hr-r"))
    assert (await Transaction.get(id=small.transaction_id)).status.value == "POSTED"
    assert await _refunded_minor(paid.id) == 40000
    await ledger_ok()
