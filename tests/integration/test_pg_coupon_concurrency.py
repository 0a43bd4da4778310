"""Coupons redeemed at once on PostgreSQL: the campaign's locked budget row and per-customer limit hold under races."""

from __future__ import annotations

import asyncio

from models import Coupon
from services.errors import CouponNotApplicable
from services.ledger.posting import post_top_up
from tests.conftest import requires_postgres
from tests.factories import next_id
from tests.integration.coupon_support import (
    budget_state, campaign_of, coupon_for, coupon_world, new_request, pay_with,
)
from tests.integration.points_support import ledger_ok
from tests.integration.service_support import holder


@requires_postgres
async def test_hundred_concurrent_payments_with_a_budget_for_fifty_discount_exactly_fifty(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, budget="500.00", per_customer_limit=1)  # 50 discounts of 10.00
    payers = []
    for _ in range(100):
        payer = await holder(world.bank)
        await post_top_up(principal=world.bank, wallet_id=payer.wallet_id, amount="100.00", idempotency_key=next_id("t"))
        payers.append((payer, await coupon_for(world, campaign, payer), await new_request(world, "60.00")))

    async def attempt(payer, coupon, request):  # type: ignore[no-untyped-def]
        try:
            return await pay_with(world, "60.00", coupons=[coupon], payer=payer, request=request)
        except CouponNotApplicable as refused:
            assert refused.reason == "BUDGET_EXHAUSTED"
            return None

    results = await asyncio.gather(*(attempt(*p) for p in payers))
    assert sum(r is not None for r in results) == 50
    assert await Coupon.filter(campaign_id=campaign.id, status="REDEEMED").count() == 50
    assert await budget_state(campaign.id) == (50000, 50000, 0)
    await ledger_ok()


@requires_postgres
async def test_a_per_customer_limit_of_one_under_concurrent_use_redeems_exactly_one(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=1)
    coupons = [await coupon_for(world, campaign) for _ in range(10)]  # issued beyond the limit: only one may be used
    requests = [await new_request(world, "60.00") for _ in coupons]

    async def attempt(coupon, request):  # type: ignore[no-untyped-def]
        try:
            return await pay_with(world, "60.00", coupons=[coupon], request=request)
        except CouponNotApplicable as refused:
            assert refused.reason == "CUSTOMER_LIMIT_REACHED"
            return None

    results = await asyncio.gather(*(attempt(c, r) for c, r in zip(coupons, requests)))
    assert sum(r is not None for r in results) == 1
    assert await budget_state(campaign.id) == (10000, 1000, 9000)
    await ledger_ok()


@requires_postgres
async def test_a_reservation_that_waited_for_the_campaign_lock_decides_on_what_the_other_payment_wrote(database_url):
    """The rules were decided on rows read before the other payment committed, and the posting statement's snapshot
    predates it too; its claims, re-checked on the rows as locked after the wait, see that payment's use of the
    payer's limit and refuse with the right reason, writing nothing."""
    from tortoise import connections
    from tortoise.transactions import in_transaction

    from services.db.sql import fetch

    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=1)
    first, second = await coupon_for(world, campaign), await coupon_for(world, campaign)
    requests = [await new_request(world, "60.00") for _ in range(2)]
    holding_lock, release = asyncio.Event(), asyncio.Event()

    async def first_payment():  # type: ignore[no-untyped-def]
        async with in_transaction():  # the payment's own transaction nests in this one: its locks last until we let go
            paid = await pay_with(world, "60.00", coupons=[first], request=requests[0])
            holding_lock.set()
            await release.wait()
        return paid

    async def second_payment() -> str:
        await holding_lock.wait()
        try:
            await pay_with(world, "60.00", coupons=[second], request=requests[1])
        except CouponNotApplicable as refused:
            return refused.reason
        return "PAID"

    async def let_go_once_waiting() -> None:
        await holding_lock.wait()
        for _ in range(500):  # until the second payment waits on the campaign's row lock
            waiting = await fetch(connections.get("default"), "SELECT 1 FROM pg_stat_activity WHERE wait_event_type"
                                  " = 'Lock' AND query LIKE '%FROM coupon_use WHERE id =%' AND pid <> pg_backend_pid()", [])
            if waiting:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the second payment never waited for the campaign's lock")
        release.set()

    paid, reason, _ = await asyncio.gather(first_payment(), second_payment(), let_go_once_waiting())
    assert reason == "CUSTOMER_LIMIT_REACHED"
    assert (await Coupon.get(id=first)).payment_id == paid.id and (await Coupon.get(id=second)).status == "ISSUED"
    assert await budget_state(campaign.id) == (10000, 1000, 9000)
    await ledger_ok()
