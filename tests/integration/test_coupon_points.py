"""Points as a discount on a payment: the points go to REDEEMED and the programme pays their value (its reserve if
they were funded, else its funding wallet), in the payment's own transaction; INSUFFICIENT_POINTS and NOT_STACKABLE
move nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from models import Payment, Transaction
from services import clock
from services.coupons.checkout import DiscountAsk
from services.coupons.campaigns import create_campaign
from services.coupons.issuing import issue_coupons
from services.coupons.points_discount import derived_key
from services.errors import CouponNotApplicable, InsufficientPoints
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.points.queries import points_balance, program_totals
from tests.factories import next_id
from tests.integration.coupon_support import budget_state, terms
from tests.integration.points_support import earn_unfunded, ledger_ok, pay_merchant, points_world, reserve_state
from tests.integration.test_coupon_flow import _balance


async def _pay(world, amount: str, ask: DiscountAsk):  # type: ignore[no-untyped-def]
    request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                           single_use=True)
    return await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("ptpay"), discounts=ask)


@pytest.mark.parametrize("funded", [True, False], ids=["reserve-paid", "funding-wallet-paid"])
async def test_points_and_a_stackable_coupon_discount_one_payment(database_url, funded):
    world = await points_world()
    with clock.frozen_at(datetime(2031, 5, 1, tzinfo=timezone.utc)):
        if funded:
            await pay_merchant(world, "300.00")  # 300 points, worth 3.00, set aside in the programme's reserve
        else:
            await earn_unfunded(world, "300.00")  # 300 points, nothing set aside
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, stackable=True))
        coupon = (await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                      customer_ids=[world.payer.customer_id])).coupons[0].id
        payer_before = await _balance(world.payer.wallet_id)
        funding_before = await _balance(world.funding.wallet_id)
        merchant_before = await _balance(world.merchant.settlement_wallet_id)
        paid = await _pay(world, "80.00", DiscountAsk(coupon_ids=(coupon,), points=200, points_program_id=world.program.id))
    assert payer_before - await _balance(world.payer.wallet_id) == 8000 - 1000 - 200  # less coupon and points
    # The programme paid 2.00: from its reserve (set aside when the points were earned), else its funding wallet.
    assert funding_before - await _balance(world.funding.wallet_id) == (0 if funded else 200)
    assert await reserve_state(world) == ((100, 100) if funded else (0, 0))
    assert await _balance(world.merchant.settlement_wallet_id) - merchant_before == 8000
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 100
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding, totals.redeemed) == (300, 100, 200)
    assert await budget_state(campaign.id) == (10000, 1000, 9000)
    assert (await Payment.get(id=paid.id)).amount_minor == 8000
    assert len(derived_key("k" * 255)) <= 255 and derived_key("a") != derived_key("b")
    await ledger_ok()


async def test_too_many_points_or_stacking_refuses_and_moves_nothing(database_url):
    world = await points_world()
    with clock.frozen_at(datetime(2031, 5, 1, tzinfo=timezone.utc)):
        await pay_merchant(world, "100.00")  # 100 points
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, stackable=False))
        coupon = (await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                      customer_ids=[world.payer.customer_id])).coupons[0].id
        before = (await Transaction.all().count(), await _balance(world.payer.wallet_id),
                  await _balance(world.funding.wallet_id))
        with pytest.raises(InsufficientPoints):
            await _pay(world, "80.00", DiscountAsk(points=101, points_program_id=world.program.id))
        with pytest.raises(CouponNotApplicable) as stacked:
            await _pay(world, "80.00", DiscountAsk(coupon_ids=(coupon,), points=10, points_program_id=world.program.id))
        assert stacked.value.reason == "NOT_STACKABLE"
    assert (await Transaction.all().count(), await _balance(world.payer.wallet_id),
            await _balance(world.funding.wallet_id)) == before
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 100
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    await ledger_ok()
