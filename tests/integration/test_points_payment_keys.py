"""A payment whose points the programme's funding wallet pays (points never funded into the reserve) posts that
payout under a key derived from the payment's key as stored: two customers of one partner, each with its own token,
may use the same idempotencyKey, as they may for any payment (a customer token's keys are its own)."""

from __future__ import annotations

import dataclasses

from models import PointsRedemption
from services.coupons.checkout import DiscountAsk
from services.ledger.posting import post_top_up
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.points.queries import points_balance
from tests.factories import next_id
from tests.integration.merchant_support import customer_token
from tests.integration.points_support import earn_unfunded, ledger_ok, points_world
from tests.integration.service_support import holder


async def test_two_customers_pay_with_unfunded_points_under_the_same_key(database_url):
    world = await points_world()
    second = await holder(world.bank)
    await post_top_up(principal=world.bank, wallet_id=second.wallet_id, amount="500.00", idempotency_key=next_id("k"))
    for payer in (world.payer, second):
        await earn_unfunded(dataclasses.replace(world, payer=payer), "300.00")  # the funding wallet pays on spending
    key = next_id("same")
    paid = []
    for payer in (world.payer, second):
        request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount="80.00",
                                               single_use=True)
        paid.append(await pay(principal=customer_token(world.bank, payer.customer_id), from_wallet_id=payer.wallet_id,
                              qr_payload=request.payload, amount=None, idempotency_key=key,
                              discounts=DiscountAsk(points=100, points_program_id=world.program.id)))
    assert [p.status.value for p in paid] == ["POSTED", "POSTED"]
    assert paid[0].id != paid[1].id
    for payer, payment in zip((world.payer, second), paid):
        redemption = await PointsRedemption.get(payment_id=payment.id)
        assert (redemption.points, redemption.reserve_minor) == (100, 0)  # the funding wallet paid, not the reserve
        assert (await points_balance(world.program.id, payer.customer_id)).balance == 200
    await ledger_ok()
