"""Points redeemed at once on PostgreSQL: 20 concurrent redemptions never spend more points than the customer holds."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from models import PointsRedemption, Wallet
from services import clock
from services.coupons.checkout import DiscountAsk
from services.errors import InsufficientPoints, RefundExceedsPayment
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from services.points.queries import points_balance, program_totals
from services.points.redeeming import redeem
from tests.conftest import requires_postgres
from tests.integration.points_support import earn_unfunded, ledger_ok, pay_merchant, points_world, reserve_state


@requires_postgres
async def test_twenty_concurrent_redemptions_never_spend_more_points_than_held(database_url):
    world = await points_world()
    with clock.frozen_at(datetime(2031, 5, 1, tzinfo=timezone.utc)):
        await pay_merchant(world, "100.00")  # 100 points
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 100

        async def attempt(n: int):
            try:
                return await redeem(principal=world.bank, customer_id=world.payer.customer_id,
                                    program_id=world.program.id, points=7, idempotency_key=f"pts-race-{n}")
            except InsufficientPoints:
                return None

        results = await asyncio.gather(*(attempt(n) for n in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 14  # 14 x 7 = 98 of 100; a 15th would need 105
    assert await PointsRedemption.filter(customer_id=world.payer.customer_id).count() == 14
    assert (await points_balance(world.program.id, world.payer.customer_id)).held == 2
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding, totals.redeemed) == (100, 2, 98)
    await ledger_ok()


@requires_postgres
async def test_concurrent_partial_refunds_give_back_exactly_the_points_a_payment_spent(database_url):
    """Eight refunds of 10.00 at once of an 80.00 payment that spent 199 points: the payment's row lock orders
    them, so the cumulative shares add up to exactly 199, and a ninth refund is refused."""
    world = await points_world()
    with clock.frozen_at(datetime(2031, 5, 1, tzinfo=timezone.utc)):
        await pay_merchant(world, "300.00")  # 300 points
        request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount="80.00",
                                               single_use=True)
        paid = await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                         amount=None, idempotency_key="pts-refund-race-pay",
                         discounts=DiscountAsk(points=199, points_program_id=world.program.id))

        async def attempt(n: int):
            try:
                return await refund(principal=world.bank, payment_id=paid.id, amount="10.00", reason="race",
                                    idempotency_key=f"pts-refund-race-{n}")
            except RefundExceedsPayment:
                return None

        results = await asyncio.gather(*(attempt(n) for n in range(9)))
    assert len([r for r in results if r is not None]) == 8
    assert (await PointsRedemption.get(payment_id=paid.id)).returned_points == 199
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 300
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding, totals.redeemed) == (300, 300, 0)
    await ledger_ok()


@requires_postgres
async def test_concurrent_points_payments_never_spend_more_funding_than_set_aside(database_url):
    """Twelve payments at once, each spending 50 points of a customer holding 900 points of which 300 are funded:
    the funding claims on the customer's row let the reserve pay for at most six; the rest are paid by the funding
    wallet (read as uncovered, or refused on the row's latest version and posted again), never below zero."""
    world = await points_world()
    with clock.frozen_at(datetime(2031, 5, 1, tzinfo=timezone.utc)):
        await pay_merchant(world, "300.00")  # 300 points, 3.00 set aside
        await earn_unfunded(world, "600.00")  # 600 more, nothing set aside
        funding_before = await _wallet_balance(world.funding.wallet_id)

        async def attempt(n: int):
            request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id,
                                                   amount="20.00", single_use=True)
            return await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                             amount=None, idempotency_key=f"pts-reserve-race-{world.payer.wallet_id}-{n}",
                             discounts=DiscountAsk(points=50, points_program_id=world.program.id))

        paid = await asyncio.gather(*(attempt(n) for n in range(12)))
    spent = await PointsRedemption.filter(payment_id__in=[p.id for p in paid]).values_list("reserve_minor", flat=True)
    assert len(spent) == 12
    from_reserve = [s for s in spent if s]
    assert len(from_reserve) <= 6 and all(s == 50 for s in from_reserve)
    reserve, funded = await reserve_state(world)
    assert reserve == funded == 300 - 50 * len(from_reserve)
    assert funding_before - await _wallet_balance(world.funding.wallet_id) == 50 * (12 - len(from_reserve))
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 900 - 12 * 50
    await ledger_ok()


async def _wallet_balance(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id).prefetch_related("account")
    return int(wallet.account.balance_minor)
