"""A discounted payment given back (refunded, reversed, or held then rejected) gives its coupons' budget and its
points back: the points return to the customer and their value to the programme, the budget becomes usable again."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from tortoise import connections

from models import AmlAlert, CompliancePolicy, DomainEvent, Payment, PointsRedemption
from services import clock
from services.alert_decisions import resolve_alert
from services.compliance.policy_document import check_aml_rules, check_countries, check_thresholds, check_tiers
from services.compliance.standing_channel import announce_standing_changed
from services.coupons.campaigns import create_campaign
from services.coupons.checkout import DiscountAsk
from services.coupons.issuing import issue_coupons
from services.coupons.releasing import release_coupons
from services.errors import PaymentNotRefundable, RefundExceedsPayment, TransactionNotReversible
from services.ledger.posting import post_top_up
from services.ledger.reversal import reverse_transaction
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.locking import lock_payment
from services.payments.refunds import refund
from services.payments.reversing import reverse_payment
from services.points.queries import points_balance, program_totals
from services.points.returning import share_of
from tests.factories import next_id
from tests.integration.coupon_support import budget_state, coupon_status, terms
from tests.integration.aml_support import GENEROUS
from tests.integration.merchant_support import staff
from tests.integration.points_support import (
    earn_unfunded, ledger_ok, pay_merchant, points_caught_up, points_world, reserve_state,
)
from tests.integration.service_support import holder
from tests.integration.test_coupon_flow import _balance

T0 = datetime(2031, 6, 1, 9, 0, tzinfo=timezone.utc)


async def _world_with_points(points: int = 300, *, funded: bool = True):  # type: ignore[no-untyped-def]
    """A points world whose payer earned `points` points (1 per 1.00 CNY paid); unfunded: the funding wallet pays
    for them when they are spent (services.points.reserve), funded: the programme's reserve does."""
    world = await points_world()
    if funded:
        await pay_merchant(world, f"{points}.00")
    else:
        await earn_unfunded(world, f"{points}.00")
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == points
    return world


async def _pay(world, amount: str, ask: DiscountAsk):  # type: ignore[no-untyped-def]
    request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                           single_use=True)
    return await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("dr"), discounts=ask)


async def _coupon(world, campaign):  # type: ignore[no-untyped-def]
    issued = await issue_coupons(principal=world.bank, campaign_id=campaign.id, customer_ids=[world.payer.customer_id])
    return issued.coupons[0].id


def test_shares_add_up_to_what_was_spent_whatever_the_refunds() -> None:
    spent, paid = 199, 8000
    for parts in ([8000], [1, 7999], [3333, 3333, 1334], [1] * 50 + [7950]):
        refunded, total = 0, 0
        for part in parts:
            total += share_of(spent, paid, refunded, part)
            refunded += part
        assert total == spent
    assert share_of(spent, paid, 0, 4000) == 99  # floor: the rest comes with the last refund


@pytest.mark.parametrize("funded", [True, False], ids=["reserve-paid", "funding-wallet-paid"])
async def test_partial_refunds_give_the_points_back_in_proportion_and_their_value_to_the_programme(database_url, funded):
    with clock.frozen_at(T0):
        world = await _world_with_points(funded=funded)
        paid = await _pay(world, "80.00", DiscountAsk(points=200, points_program_id=world.program.id))
        assert (await PointsRedemption.get(payment_id=paid.id)).reserve_minor == (200 if funded else 0)
        payer, funding = await _balance(world.payer.wallet_id), await _balance(world.funding.wallet_id)
        reserve, customer_funding = await reserve_state(world)
        assert (reserve, customer_funding) == ((100, 100) if funded else (0, 0))
        await refund(principal=world.bank, payment_id=paid.id, amount="40.00", reason="half", idempotency_key=next_id("r"))
        # The payer gets 40.00 back, less the half of the points' value (1.00) that goes back to the programme: to
        # its reserve (and the customer's funding) if the reserve paid it, else to its funding wallet.
        assert await _balance(world.payer.wallet_id) - payer == 4000 - 100
        assert await _balance(world.funding.wallet_id) - funding == (0 if funded else 100)
        assert await reserve_state(world) == ((reserve + 100, customer_funding + 100) if funded else (0, 0))
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 100 + 100
        await ledger_ok()
        key = next_id("r")
        await refund(principal=world.bank, payment_id=paid.id, amount="40.00", reason="rest", idempotency_key=key)
        await refund(principal=world.bank, payment_id=paid.id, amount="40.00", reason="rest", idempotency_key=key)  # replay
        assert await _balance(world.payer.wallet_id) - payer == 8000 - 200
        assert await _balance(world.funding.wallet_id) - funding == (0 if funded else 200)
        assert await reserve_state(world) == ((300, 300) if funded else (0, 0))
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 300
    assert (await PointsRedemption.get(payment_id=paid.id)).returned_points == 200
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding, totals.redeemed) == (300, 300, 0)
    await ledger_ok()


@pytest.mark.parametrize("funded", [True, False], ids=["reserve-paid", "funding-wallet-paid"])
async def test_a_reversed_discounted_payment_gives_budget_coupon_and_points_back_and_cannot_be_refunded(database_url,
                                                                                                       funded):
    with clock.frozen_at(T0):
        world = await _world_with_points(funded=funded)
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, stackable=True, refund_rule="RESTORE"))
        coupon = await _coupon(world, campaign)
        funding, reserve = await _balance(world.funding.wallet_id), await reserve_state(world)
        payer = await _balance(world.payer.wallet_id)
        paid = await _pay(world, "80.00", DiscountAsk(coupon_ids=(coupon,), points=200, points_program_id=world.program.id))
        assert await budget_state(campaign.id) == (10000, 1000, 9000)
        reversal = await reverse_transaction(principal=staff("admin"), transaction_id=paid.transaction_id,
                                             reason="paid by mistake")
        assert reversal.kind.value == "REVERSAL"
        assert await budget_state(campaign.id) == (10000, 0, 10000)  # usable again, its money back
        assert await coupon_status(coupon) == "ISSUED"
        assert await _balance(world.payer.wallet_id) == payer  # money, coupon and points as before the payment
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 300
        assert (await Payment.get(id=paid.id)).refunded_minor == 8000
        # The points' value is back where it came from: the reserve and the customer's funding, or the funding wallet.
        assert (await _balance(world.funding.wallet_id), await reserve_state(world)) == (funding, reserve)
        with pytest.raises(RefundExceedsPayment):
            await refund(principal=world.bank, payment_id=paid.id, amount="1.00", reason="x", idempotency_key=next_id("r"))
    await ledger_ok()


async def test_a_payment_refunded_in_part_is_not_reversed_and_nothing_changes(database_url):
    with clock.frozen_at(T0):
        world = await _world_with_points()
        paid = await _pay(world, "80.00", DiscountAsk(points=100, points_program_id=world.program.id))
        await refund(principal=world.bank, payment_id=paid.id, amount="10.00", reason="part", idempotency_key=next_id("r"))
        before = (await _balance(world.payer.wallet_id), await Payment.get(id=paid.id),
                  (await points_balance(world.program.id, world.payer.customer_id)).balance)
        with pytest.raises(TransactionNotReversible):
            await reverse_transaction(principal=staff("admin"), transaction_id=paid.transaction_id, reason="mistake")
        after = (await _balance(world.payer.wallet_id), await Payment.get(id=paid.id),
                 (await points_balance(world.program.id, world.payer.customer_id)).balance)
    assert (before[0], before[1].refunded_minor, before[2]) == (after[0], after[1].refunded_minor, after[2])
    await ledger_ok()


async def test_a_forfeit_campaign_keeps_the_coupon_used_after_a_reversal_but_its_budget_comes_back(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, refund_rule="FORFEIT"))
        coupon = await _coupon(world, campaign)
        paid = await _pay(world, "80.00", DiscountAsk(coupon_ids=(coupon,)))
        await reverse_transaction(principal=staff("compliance"), transaction_id=paid.transaction_id, reason="mistake")
    assert await coupon_status(coupon) == "FORFEITED"
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    await ledger_ok()


async def _cny_hold_pack() -> None:
    """A test-only pack for FK: payments of 1,000.00 CNY or more are HELD (LARGE_TRANSACTION), generous limits."""
    if await CompliancePolicy.exists(jurisdiction="QA-DR-FK"):
        return
    await CompliancePolicy.create(
        jurisdiction="QA-DR-FK", name="Tests: discount returns", countries=check_countries(["FK"]), timezone="UTC",
        large_transaction_thresholds=check_thresholds({"CNY": 100_000}),
        tiers=check_tiers([{"tier": 1, "name": "tests", "crossBorder": True, "limits": {"CNY": GENEROUS}}]),
        aml_rules=check_aml_rules({"LARGE_TRANSACTION": {"severity": "HIGH", "action": "HOLD"}}), updated_by="test:dr")
    await announce_standing_changed()


async def test_a_held_discounted_payment_rejected_gives_coupon_budget_and_points_back(database_url):
    await _cny_hold_pack()
    with clock.frozen_at(T0):
        world = await points_world()
        payer = await holder(world.bank, country="FK", tier=1)
        for _ in range(4):  # each under the pack's 1,000.00 threshold
            await post_top_up(principal=world.bank, wallet_id=payer.wallet_id, amount="900.00", idempotency_key=next_id("t"))
        earned = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount="300.00",
                                              single_use=True)
        await pay(principal=world.bank, from_wallet_id=payer.wallet_id, qr_payload=earned.payload, amount=None,
                  idempotency_key=next_id("e"))
        await points_caught_up()
        campaign = await create_campaign(principal=world.bank, terms=terms(
            funding_wallet_id=world.funding.wallet_id, stackable=True, refund_rule="FORFEIT"))
        coupon = (await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                      customer_ids=[payer.customer_id])).coupons[0].id
        before = (await _balance(payer.wallet_id), await _balance(world.funding.wallet_id))
        request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount="2000.00",
                                               single_use=True)
        held = await pay(principal=world.bank, from_wallet_id=payer.wallet_id, qr_payload=request.payload, amount=None,
                         idempotency_key=next_id("h"), discounts=DiscountAsk(
                             coupon_ids=(coupon,), points=200, points_program_id=world.program.id))
        assert held.status.value == "HELD"
        assert await budget_state(campaign.id) == (10000, 1000, 10000)  # reserved; no money moved yet
        # The points' funding is claimed while the reserve's leg waits in the hold: verify counts it as paid.
        assert (await PointsRedemption.get(payment_id=held.id)).reserve_minor == 200
        await ledger_ok()
        with pytest.raises(PaymentNotRefundable):  # nothing moved yet: nothing to give back
            await refund(principal=world.bank, payment_id=held.id, amount="10.00", reason="x", idempotency_key=next_id("r"))
        alert = await AmlAlert.get(transaction_id=held.transaction_id)
        await resolve_alert(principal=staff("compliance"), alert_id=alert.id, decision="REJECT", reason="not this one")
    # Nothing was used: the coupon is usable again (whatever the refund rule), the budget and the points are back.
    assert await coupon_status(coupon) == "ISSUED"
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    assert (await _balance(payer.wallet_id), await _balance(world.funding.wallet_id)) == before
    assert (await points_balance(world.program.id, payer.customer_id)).balance == 300
    assert await DomainEvent.filter(type="points.returned", object_id=str(payer.customer_id)).count() == 1
    assert await DomainEvent.filter(type="coupon.restored", object_id=str(coupon)).count() == 1
    await ledger_ok()
    payment = await lock_payment(connections.get("default"), held.id)
    assert payment.refunded_minor == 0
    assert await release_coupons(connections.get("default"), payment) == 0  # once: nothing left to release
    with pytest.raises(PaymentNotRefundable):  # rejected: nothing moved, nothing to give back
        await refund(principal=world.bank, payment_id=held.id, amount="10.00", reason="x", idempotency_key=next_id("r"))
    await ledger_ok()


async def test_reversing_a_transaction_without_a_payment_row_only_posts(database_url):
    posted: list[str] = []

    async def posting():  # type: ignore[no-untyped-def]
        posted.append("posted")
        return "the reversal"

    assert await reverse_payment(uuid.uuid4(), posting) == "the reversal"
    assert posted == ["posted"]


async def test_the_points_transfer_of_a_payment_is_not_reversed_on_its_own(database_url):
    """Reversing the money of a points redemption alone would take its value back and leave the points spent."""
    with clock.frozen_at(T0):
        world = await _world_with_points(funded=False)  # a reserve-paid payment has no TRANSFER of its points
        paid = await _pay(world, "80.00", DiscountAsk(points=100, points_program_id=world.program.id))
        redemption = await PointsRedemption.get(payment_id=paid.id)
        payer = await _balance(world.payer.wallet_id)
        with pytest.raises(TransactionNotReversible):
            await reverse_transaction(principal=staff("admin"), transaction_id=redemption.transaction_id, reason="oops")
    assert await _balance(world.payer.wallet_id) == payer
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 200


async def test_refunds_of_a_payment_coupons_paid_all_but_a_unit_of_always_leave_the_payer_a_unit(database_url):
    """The coupon paid 9.99 of 10.00: the second half's share (5.00) would leave the payer nothing of the refund,
    and a REFUND's payer leg is never zero; the share is cut by the unit instead (it raised an AssertionError)."""
    world = await points_world()
    campaign = await create_campaign(principal=world.bank, terms=terms(
        funding_wallet_id=world.funding.wallet_id, amount_off="20.00", min_spend=None, refund_rule="RESTORE"))
    coupon = await _coupon(world, campaign)
    payer = await _balance(world.payer.wallet_id)
    paid = await _pay(world, "10.00", DiscountAsk(coupon_ids=(coupon,)))
    assert await _balance(world.payer.wallet_id) == payer - 1  # the payer paid one unit
    for _ in range(2):
        await refund(principal=world.bank, payment_id=paid.id, amount="5.00", reason="half", idempotency_key=next_id("r"))
        await ledger_ok()
    assert await budget_state(campaign.id) == (10000, 1, 9999)  # 4.99 + 4.99 back of the 9.99
    assert await _balance(world.payer.wallet_id) == payer + 1  # one unit from each refund
    assert await coupon_status(coupon) == "ISSUED"  # refunded in full: RESTORE
    await ledger_ok()


def test_the_budgets_shares_leave_the_payer_a_unit_largest_cut_first() -> None:
    from services.coupons.refunding import payer_keeps_a_unit

    assert payer_keeps_a_unit({7: 300, 9: 200}, 1000) == ((7, 300), (9, 200))  # room to spare: untouched
    assert payer_keeps_a_unit({7: 300, 9: 200}, 500) == ((7, 299), (9, 200))
    assert payer_keeps_a_unit({7: 1, 9: 1}, 1) == ()  # a one-unit refund is the payer's
    assert payer_keeps_a_unit({7: 2, 9: 3}, 3) == ((7, 2),)
