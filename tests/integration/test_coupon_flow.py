"""Coupons on the posting engine: the discount is a funded leg of the payment's own posting, refusals move nothing,
refunds restore or forfeit by the campaign's rule, and `ledger verify` holds after each step."""

from __future__ import annotations

from datetime import timedelta

import pytest

import dataclasses

from auth.principal import CUSTOMER, STAFF
from models import Coupon, CouponUse, DomainEvent, Entry, Payment, Transaction, Wallet
from services import clock
from services.errors import CouponNotApplicable, IdempotencyConflict, InsufficientFunds, NotFound, ValidationFailed
from services.coupons.checkout import Payer, payer_customer
from services.coupons.queries import customer_coupons, get_coupon
from services.coupons.reserving import _read
from services.payments.refunds import refund
from tests.factories import next_id
from tests.integration.coupon_support import (
    budget_state, campaign_of, coupon_for, coupon_status, coupon_world, new_request, pay_with,
)
from tests.integration.points_support import ledger_ok
from tests.integration.service_support import holder, new_partner


async def _balance(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id).prefetch_related("account")
    return int(wallet.account.balance_minor)  # type: ignore[attr-defined]


async def _counts() -> tuple[int, int, int]:
    return await Transaction.all().count(), await Entry.all().count(), await Payment.all().count()


async def test_campaign_is_funded_by_a_posting_into_its_budget_account(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world)
    assert await _balance(world.funding.wallet_id) == 500000 - 10000
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    await ledger_ok()


async def test_a_coupon_payment_posts_the_discount_as_a_funded_leg_of_one_balanced_transaction(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world)
    coupon = await coupon_for(world, campaign)
    merchant_before = await _balance(world.merchant.settlement_wallet_id)
    paid = await pay_with(world, "80.00", coupons=[coupon])
    assert paid.amount_minor == 8000
    assert await _balance(world.payer.wallet_id) == 100000 - 7000  # paid 80.00 less 10.00
    assert await _balance(world.merchant.settlement_wallet_id) - merchant_before == 8000  # the whole amount
    assert await budget_state(campaign.id) == (10000, 1000, 9000)
    legs = sorted(int(a) for a in await Entry.filter(transaction_id=paid.transaction_id).values_list("amount_minor", flat=True))
    assert legs == [-7000, -1000, 8000] and sum(legs) == 0  # payer, campaign budget, merchant: one posting
    row = await Coupon.get(id=coupon)
    assert (row.status, row.payment_id, row.discount_minor) == ("REDEEMED", paid.id, 1000)
    page = await customer_coupons(customer_id=world.payer.customer_id, status="REDEEMED", first=10, after=None)
    assert [c.id for c in page.items] == [coupon] and page.items[0].currency == "CNY"
    assert (await get_coupon(principal=world.bank, coupon_id=coupon)).payment_id == paid.id
    await ledger_ok()


async def _redeemed_events(coupon_id) -> list[DomainEvent]:  # type: ignore[no-untyped-def]
    return await DomainEvent.filter(type="coupon.redeemed", object_id=str(coupon_id)).order_by("id")


async def test_a_coupon_payment_writes_one_coupon_redeemed_event_with_its_posting(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world)
    coupon = await coupon_for(world, campaign)
    with pytest.raises(InsufficientFunds):  # reserved, then refused by the posting: rolled back, event included
        await pay_with(world, "5000.00", coupons=[coupon])
    assert await _redeemed_events(coupon) == [] and await coupon_status(coupon) == "ISSUED"
    key, request = next_id("ev"), await new_request(world, "80.00")
    paid = await pay_with(world, "80.00", coupons=[coupon], key=key, request=request)
    events = await _redeemed_events(coupon)
    assert len(events) == 1
    assert events[0].partner_id == world.bank.partner_id  # type: ignore[attr-defined]
    assert events[0].object_type == "Coupon"
    assert events[0].payload == {"couponId": str(coupon), "campaignId": str(campaign.id),
                                 "customerId": str(world.payer.customer_id), "paymentId": str(paid.id),
                                 "amount": {"amount": "10.00", "currency": "CNY"}}
    # In the same database transaction as the payment's own posting (and its outbox event).
    posted = await DomainEvent.get(type="transaction.posted", object_id=str(paid.transaction_id))
    assert posted.tx == events[0].tx
    again = await pay_with(world, "80.00", coupons=[coupon], key=key, request=request)  # a replay writes nothing
    assert again.id == paid.id and len(await _redeemed_events(coupon)) == 1
    await ledger_ok()


async def test_the_payer_is_the_callers_own_customer(database_url):
    world = await coupon_world()
    assert await payer_customer(world.bank, world.payer.wallet_id) == Payer(world.payer.customer_id,
                                                                            world.bank.partner_id)  # type: ignore[arg-type]
    other = await new_partner("cpo")
    with pytest.raises(NotFound) as caught:
        await payer_customer(other, world.payer.wallet_id)  # another partner's wallet (remembered or not)
    assert caught.value.field == ["fromWalletId"]
    as_customer = dataclasses.replace(world.bank, kind=CUSTOMER, customer_id=world.payer.customer_id)
    assert (await payer_customer(as_customer, world.payer.wallet_id)).id == world.payer.customer_id
    someone = await holder(world.bank)
    with pytest.raises(NotFound):  # a customer token pays only from its own customer's wallets
        await payer_customer(as_customer, someone.wallet_id)
    with pytest.raises(NotFound):
        await payer_customer(world.bank, None)
    staff = dataclasses.replace(world.bank, kind=STAFF, partner_id=None, role="admin")
    assert await payer_customer(staff, world.payer.wallet_id) == Payer(world.payer.customer_id,
                                                                       world.bank.partner_id)  # type: ignore[arg-type]


async def test_given_coupons_with_campaigns_and_use_counts_in_one_read(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=3)
    first, second, third = [await coupon_for(world, campaign) for _ in range(3)]
    await pay_with(world, "60.00", coupons=[first])
    given = await _read(world.payer.customer_id, [third, second])
    assert [(g.id, g.campaign.id, g.status, g.used) for g in given] == [
        (third, campaign.id, "ISSUED", 1), (second, campaign.id, "ISSUED", 1)]
    use = await CouponUse.get(campaign_id=campaign.id, customer_id=world.payer.customer_id)
    assert {g.use_id for g in given} == {use.id} and use.used == 1
    someone = await holder(world.bank)
    theirs = await coupon_for(world, campaign, someone)
    with pytest.raises(NotFound) as caught:
        await _read(world.payer.customer_id, [second, theirs])
    assert caught.value.field == ["couponIds", "1"]


async def test_each_refusal_changes_nothing(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, merchant_ids=())
    coupon = await coupon_for(world, campaign)
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))

    async def refused(reason: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(CouponNotApplicable) as caught:
            await pay_with(world, kwargs.pop("amount", "80.00"), **kwargs)
        assert caught.value.reason == reason
        assert (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id)) == before
        assert await coupon_status(coupon) == "ISSUED"

    await refused("BELOW_MINIMUM_SPEND", amount="49.99", coupons=[coupon])
    elsewhere = await campaign_of(world, merchant_ids=(world.funding.customer_id,))  # names another merchant only
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))
    await refused("MERCHANT_EXCLUDED", coupons=[await coupon_for(world, elsewhere)])
    other_category = await campaign_of(world, mccs=("4111",))
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))
    await refused("MERCHANT_EXCLUDED", coupons=[await coupon_for(world, other_category)])
    later = await campaign_of(world, valid_from=clock.now() + timedelta(days=1), valid_to=clock.now() + timedelta(days=2))
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))
    await refused("OUTSIDE_WINDOW", coupons=[await coupon_for(world, later)])
    tiny = await campaign_of(world, budget="5.00")
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))
    await refused("BUDGET_EXHAUSTED", coupons=[await coupon_for(world, tiny)])
    stack = await coupon_for(world, await campaign_of(world, stackable=False))
    before = (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id))
    await refused("NOT_STACKABLE", coupons=[coupon, stack])
    # Another customer's coupon is NOT_FOUND; an unaffordable payment refuses and keeps the coupon.
    stranger = await holder(world.bank)
    theirs = await coupon_for(world, campaign, stranger)
    with pytest.raises(NotFound):
        await pay_with(world, "80.00", coupons=[theirs])
    with pytest.raises(InsufficientFunds):
        await pay_with(world, "5000.00", coupons=[coupon])
    assert (await _counts(), await _balance(world.payer.wallet_id), await budget_state(campaign.id)) == before
    assert await coupon_status(coupon) == "ISSUED"
    await ledger_ok()


async def test_used_coupon_and_per_customer_limit(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=1)
    first, second = await coupon_for(world, campaign), await coupon_for(world, campaign)
    await pay_with(world, "60.00", coupons=[first])
    with pytest.raises(CouponNotApplicable) as used:
        await pay_with(world, "60.00", coupons=[first])
    assert used.value.reason == "ALREADY_USED"
    with pytest.raises(CouponNotApplicable) as limit:
        await pay_with(world, "60.00", coupons=[second])
    assert limit.value.reason == "CUSTOMER_LIMIT_REACHED"
    assert await budget_state(campaign.id) == (10000, 1000, 9000)


async def test_percentage_is_capped_and_a_retry_replays_without_a_second_discount(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, discount_kind="PERCENTAGE", amount_off=None, percent_off_bps=1500,
                                 max_discount="12.00", min_spend=None)
    coupon = await coupon_for(world, campaign)
    key, request = next_id("retry"), await new_request(world, "100.00")
    paid = await pay_with(world, "100.00", coupons=[coupon], key=key, request=request)
    assert await budget_state(campaign.id) == (10000, 1200, 8800)  # 15% of 100.00 capped at 12.00
    assert await _balance(world.payer.wallet_id) == 100000 - 8800
    again = await pay_with(world, "100.00", coupons=[coupon], key=key, request=request)
    assert again.id == paid.id and await budget_state(campaign.id) == (10000, 1200, 8800)
    other = await coupon_for(world, await campaign_of(world, stackable=True))
    # The same key for the same (paid, single-use) request answers the original payment: nothing else is reserved.
    assert (await pay_with(world, "100.00", coupons=[other], key=key, request=request)).id == paid.id
    # The same key for another request is IDEMPOTENCY_CONFLICT, and the coupon stays unused.
    with pytest.raises(IdempotencyConflict):
        await pay_with(world, "100.00", coupons=[other], key=key)
    assert await coupon_status(other) == "ISSUED" and await _balance(world.payer.wallet_id) == 100000 - 8800
    await ledger_ok()


@pytest.mark.parametrize("rule", ["RESTORE", "FORFEIT"])
async def test_refunds_give_the_discount_back_to_the_budget_and_restore_or_forfeit(database_url, rule):
    world = await coupon_world()
    campaign = await campaign_of(world, refund_rule=rule)
    coupon = await coupon_for(world, campaign)
    paid = await pay_with(world, "80.00", coupons=[coupon])
    payer_after_pay = await _balance(world.payer.wallet_id)
    await refund(principal=world.bank, payment_id=paid.id, amount="40.00", reason="half back", idempotency_key=next_id("r"))
    # Half the payment: the payer gets half of what it paid (35.00), the budget half the discount (5.00).
    assert await _balance(world.payer.wallet_id) - payer_after_pay == 3500
    assert await budget_state(campaign.id) == (10000, 500, 9500)
    assert await coupon_status(coupon) == "REDEEMED"
    await refund(principal=world.bank, payment_id=paid.id, amount="40.00", reason="rest", idempotency_key=next_id("r"))
    assert await _balance(world.payer.wallet_id) - payer_after_pay == 7000
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    assert await coupon_status(coupon) == ("ISSUED" if rule == "RESTORE" else "FORFEITED")
    if rule == "RESTORE":
        await pay_with(world, "50.00", coupons=[coupon])  # usable again
    else:
        with pytest.raises(CouponNotApplicable):
            await pay_with(world, "50.00", coupons=[coupon])
    await ledger_ok()


async def test_bad_campaign_input_creates_nothing(database_url):
    world = await coupon_world()
    before = await _counts()
    for overrides in ({"discount_kind": "HALF"}, {"amount_off": "1.001"}, {"budget": "-1"}, {"per_customer_limit": 0},
                      {"valid_to": clock.now() - timedelta(days=3)}, {"refund_rule": "KEEP"}, {"mccs": ("12a4",)},
                      {"discount_kind": "PERCENTAGE", "amount_off": None, "percent_off_bps": 10001},
                      {"budget": "99999999.00"}):
        with pytest.raises((ValidationFailed, InsufficientFunds, Exception)):
            await campaign_of(world, **overrides)
    assert await _counts() == before
    assert await _balance(world.funding.wallet_id) == 500000
