"""A payment's coupons and the payer's points read in one statement (services.coupons.discount_reads): the same rows
the two reads give on their own, and a payment with both makes no other read of either before its posting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services import clock
from services.coupons import reserving
from services.coupons.campaigns import create_campaign
from services.coupons.checkout import DiscountAsk
from services.coupons.discount_reads import read_coupons_and_points
from services.coupons.issuing import issue_coupons
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.points import holdings
from services.points.holdings import holding, holding_of
from tests.factories import next_id
from tests.integration.coupon_support import terms
from tests.integration.points_support import ledger_ok, pay_merchant, points_world
from tests.integration.service_support import holder

_MAY = datetime(2032, 5, 1, tzinfo=timezone.utc)


async def _coupons(world, customer_id, count: int) -> list:  # type: ignore[no-untyped-def]
    """One coupon of each of `count` new stackable campaigns, issued to the customer."""
    ids = []
    for _ in range(count):
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, stackable=True))
        issued = await issue_coupons(principal=world.bank, campaign_id=campaign.id, customer_ids=[customer_id])
        ids.append(issued.coupons[0].id)
    return ids


async def test_one_statement_reads_what_the_two_reads_read(database_url):
    world = await points_world()
    with clock.frozen_at(_MAY):
        await pay_merchant(world, "120.00")  # a first lot of 120 points
    with clock.frozen_at(_MAY + timedelta(days=3)):
        await pay_merchant(world, "80.00")  # a second, later lot
        given = await _coupons(world, world.payer.customer_id, 2)
        coupon_rows, points_rows = await read_coupons_and_points(world.payer.customer_id, given, world.program.id,
                                                                 clock.now())

        alone = await holding(world.program.id, world.payer.customer_id, now=clock.now())
        assert holding_of(points_rows) == alone
        assert (alone.balance, alone.due_points) == (200, 0)  # two lots, neither expired
        assert reserving._given_of(coupon_rows, given) == await reserving._read(world.payer.customer_id, given)
        assert [r["coupon_id"] for r in coupon_rows] != []


async def test_another_customers_coupon_and_no_points_read_as_nothing(database_url):
    world = await points_world()
    stranger = await holder(world.bank)
    with clock.frozen_at(_MAY):
        theirs = await _coupons(world, stranger.customer_id, 1)
        coupon_rows, points_rows = await read_coupons_and_points(world.payer.customer_id, theirs, world.program.id,
                                                                 clock.now())
    assert coupon_rows == [] and points_rows == []
    assert holding_of(points_rows).account_id is None  # never earned: INSUFFICIENT_POINTS, as holding() says
    with pytest.raises(Exception, match="coupon not found"):
        reserving._given_of(coupon_rows, theirs)


async def test_a_payment_with_a_coupon_and_points_reads_them_once(database_url, monkeypatch):
    world = await points_world()
    with clock.frozen_at(_MAY):
        await pay_merchant(world, "300.00")  # 300 points, funded into the programme's reserve
        coupon = (await _coupons(world, world.payer.customer_id, 1))[0]
        request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount="80.00",
                                               single_use=True)

        async def separate_read(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("the coupons or the holding were read on their own")

        monkeypatch.setattr(reserving, "fetch", separate_read)
        monkeypatch.setattr(holdings, "fetch", separate_read)
        paid = await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                         amount=None, idempotency_key=next_id("dread"),
                         discounts=DiscountAsk(coupon_ids=(coupon,), points=200, points_program_id=world.program.id))
    monkeypatch.undo()
    assert paid.amount_minor == 8000
    assert (await holding(world.program.id, world.payer.customer_id, now=_MAY)).balance == 100  # 200 of the 300 spent
    await ledger_ok()
