"""Points end to end with a controllable clock: earn, partial refund clawback, redeem, expiry, reversal; the points
invariant (issued = outstanding + redeemed + expired) and `ledger verify` after every step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models import Account, PointsClawback, PointsLot, Wallet
from services import clock
from services.errors import InsufficientPoints
from services.ledger.reversal import reverse_transaction
from services.payments.refunds import refund
from services.points.jobs import run_points_jobs
from services.points.queries import expiring_soon, history, points_balance, program_totals
from services.points.redeeming import redeem
from tests.factories import next_id
from tests.integration.merchant_support import staff
from tests.integration.points_support import ledger_ok, pay_merchant, points_caught_up, points_world

T0 = datetime(2031, 3, 10, 9, 0, tzinfo=timezone.utc)


async def _sweep() -> None:
    """Run the points jobs until nothing due is left unswept (other tests' lots share the database and the batches)."""
    for _ in range(1000):
        await run_points_jobs()
        if not await PointsLot.filter(expiry_swept=False, expires_at__lte=clock.now()).exists():
            return
    raise AssertionError("the sweep makes no progress")


async def _invariant(world, *, issued: int, outstanding: int, redeemed: int = 0, expired: int = 0) -> None:
    totals = await program_totals(world.program.id)
    assert (totals.issued, totals.outstanding, totals.redeemed, totals.expired) == (issued, outstanding, redeemed, expired)
    assert totals.issued == totals.outstanding + totals.redeemed + totals.expired
    await ledger_ok()


async def test_earn_then_partial_refunds_claw_back_in_proportion_then_nothing_is_left(database_url):
    world = await points_world()
    with clock.frozen_at(T0):
        paid = await pay_merchant(world, "123.45")
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 123
        await _invariant(world, issued=123, outstanding=123)
        await refund(principal=world.bank, payment_id=paid.id, amount="50.00", reason="part", idempotency_key=next_id("r"))
        await points_caught_up()  # the refund's claw-back is read from the outbox
        # floor(123 x 50.00 / 123.45) = 49 taken back; the fraction stays with the customer.
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 74
        await _invariant(world, issued=74, outstanding=74)
        await refund(principal=world.bank, payment_id=paid.id, amount="73.45", reason="rest", idempotency_key=next_id("r"))
        await points_caught_up()  # the refund's claw-back is read from the outbox
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 0
        await _invariant(world, issued=0, outstanding=0)
    rows = await PointsClawback.filter(lot__source_id=paid.id).order_by("created_at").values_list("requested_points", "clawed_points", "shortfall_points")
    assert sorted(rows) == [(49, 49, 0), (74, 74, 0)]


async def test_redeem_converts_points_into_wallet_money_and_refuses_more_than_held(database_url):
    world = await points_world()
    with clock.frozen_at(T0):
        await pay_merchant(world, "200.00")
        before = (await Account.get(id=world.payer.account_id)).balance_minor
        done = await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                            points=150, idempotency_key=next_id("rd"))
        assert done.transaction.amount_minor == 150  # 150 points x 0.01 CNY
        assert (await Account.get(id=world.payer.account_id)).balance_minor == before + 150
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 50
        await _invariant(world, issued=200, outstanding=50, redeemed=150)
        funding = await Account.get(id=(await Wallet.get(id=world.funding.wallet_id)).account_id)  # type: ignore[attr-defined]
        with pytest.raises(InsufficientPoints):
            await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                         points=51, idempotency_key=next_id("rd"))
        # Nothing moved: the customer's points, wallet and the funding wallet are as they were.
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 50
        assert (await Account.get(id=world.payer.account_id)).balance_minor == before + 150
        assert (await Account.get(id=funding.id)).balance_minor == funding.balance_minor
        await _invariant(world, issued=200, outstanding=50, redeemed=150)
        kinds = [m.kind for m in await history((await points_balance(world.program.id, world.payer.customer_id)).account_id,
                                               first=10, after=None)]
        assert kinds == ["POINTS_REDEEM", "POINTS_EARN"]


async def test_refund_after_redeeming_records_the_shortfall_and_never_goes_below_zero(database_url):
    world = await points_world()
    with clock.frozen_at(T0):
        paid = await pay_merchant(world, "100.00")
        await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                     points=80, idempotency_key=next_id("rd"))
        await refund(principal=world.bank, payment_id=paid.id, amount="100.00", reason="all", idempotency_key=next_id("r"))
        await points_caught_up()  # the refund's claw-back is read from the outbox
        row = await PointsClawback.get(lot__source_id=paid.id)
        assert (row.requested_points, row.clawed_points, row.shortfall_points) == (100, 20, 80)
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 0
        await _invariant(world, issued=80, outstanding=0, redeemed=80)  # 100 earned - 20 taken back


async def test_expiry_sweep_takes_the_oldest_lots_first_once_they_are_due(database_url):
    world = await points_world(expiry_months=1)
    with clock.frozen_at(T0) as move:
        await pay_merchant(world, "30.00")  # lot 1: 30 points, expires 2031-04-10
        move(T0 + timedelta(days=20))
        await pay_merchant(world, "50.00")  # lot 2: 50 points, expires 2031-04-30
        # 40 redeemed: oldest first, so lot 1 is used up and 10 of lot 2 went too.
        await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                     points=40, idempotency_key=next_id("rd"))
        assert await expiring_soon(world.program.id, world.payer.customer_id, 30) == 0
        assert await expiring_soon(world.program.id, world.payer.customer_id, 31) == 40
        move(datetime(2031, 4, 11, tzinfo=timezone.utc))
        await _sweep()  # lot 1 expired, but nothing was left of it
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 40
        move(datetime(2031, 4, 30, 9, 0, tzinfo=timezone.utc))
        # Due but not yet swept: no longer spendable.
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 0
        with pytest.raises(InsufficientPoints):
            await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                         points=1, idempotency_key=next_id("rd"))
        await _sweep()
        await run_points_jobs()  # a second round expires nothing twice
        await _invariant(world, issued=80, outstanding=0, redeemed=40, expired=40)
    assert await PointsLot.filter(customer_id=world.payer.customer_id, expiry_swept=False).count() == 0


async def test_monthly_cap_and_reversal_clawback(database_url):
    world = await points_world(per_month_cap=150)
    with clock.frozen_at(T0) as move:
        first = await pay_merchant(world, "100.00")
        await pay_merchant(world, "100.00")  # only 50 more fit in March
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 150
        move(datetime(2031, 4, 2, tzinfo=timezone.utc))
        await pay_merchant(world, "100.00")  # a new month: 100 again
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 250
        await reverse_transaction(principal=staff("admin"), transaction_id=first.transaction_id, reason="error")
        await run_points_jobs()
        await run_points_jobs()  # clawed back once, not twice
        assert await PointsClawback.filter(lot__source_id=first.id).count() == 1
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 150
        await _invariant(world, issued=150, outstanding=150)
