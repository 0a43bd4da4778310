"""The points reserve (services.points.reserve): earned points' value set aside, spent by payments without touching the
funding wallet, given back when the points expire or are clawed back, and checked by `ledger verify`."""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime, timezone

from tortoise import connections

from models import Account, PointsLot, PointsProgram, PointsRedemption, Transaction
from models.enums import AccountKind, TransactionKind
from models.ids import uuid7
from services import clock
from services.coupons import points_discount
from services.coupons.checkout import DiscountAsk
from services.db.sql import execute
from services.ledger.verify import verify_ledger
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from services.points.expiry import expire_holding
from services.wallet_freeze import freeze_wallet, unfreeze_wallet
from tests.integration.merchant_support import staff
from services.points.queries import points_balance
from services.points.redeeming import redeem
from services.points.reserve import Funding, fund_outstanding
from services.points.holdings import holding
from tests.factories import next_id
from tests.integration.points_support import (
    earn_unfunded, ledger_ok, pay_merchant, points_caught_up, points_world, reserve_state,
)
from tests.integration.test_coupon_flow import _balance

T0 = datetime(2031, 7, 1, 9, 0, tzinfo=timezone.utc)


async def _pay_with_points(world, amount: str, points: int):  # type: ignore[no-untyped-def]
    request = await create_payment_request(principal=world.bank, merchant_id=world.merchant.id, amount=amount,
                                           single_use=True)
    return await pay(principal=world.bank, from_wallet_id=world.payer.wallet_id, qr_payload=request.payload,
                     amount=None, idempotency_key=next_id("rsv"),
                     discounts=DiscountAsk(points=points, points_program_id=world.program.id))


def test_funding_covers_a_value_only_with_a_reserve_and_enough_set_aside() -> None:
    row = uuid7()
    assert Funding(reserve_account_id=5, points_account_row_id=row, funded_minor=300).covers(300)
    assert not Funding(reserve_account_id=5, points_account_row_id=row, funded_minor=299).covers(300)
    assert not Funding(reserve_account_id=None, points_account_row_id=row, funded_minor=10**6).covers(300)


async def test_every_programme_has_a_reserve_account_in_its_value_currency(database_url):
    world = await points_world()
    program = await PointsProgram.get(id=world.program.id)
    rows = await connections.get("default").execute_query_dict(
        "SELECT kind, currency, tracks_balance FROM account WHERE id = " + str(int(program.reserve_account_id)))
    assert rows[0]["kind"] == "POINTS_RESERVE" and rows[0]["currency"] == "CNY" and not rows[0]["tracks_balance"]


async def test_earned_points_are_funded_from_the_funding_wallet_into_the_reserve(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        funding = await _balance(world.funding.wallet_id)
        await pay_merchant(world, "300.00")  # 300 points worth 3.00
    lot = await PointsLot.get(program_id=world.program.id, customer_id=world.payer.customer_id)
    assert funding - await _balance(world.funding.wallet_id) == 300
    assert await reserve_state(world) == (300, 300)
    funding_txn = await Transaction.get(idempotency_key=f"points-funding-{lot.id}")
    assert (funding_txn.kind, funding_txn.amount_minor, funding_txn.fee_minor) == (TransactionKind.POINTS_FUNDING, 300, 0)
    await ledger_ok()


async def test_points_earned_while_the_funding_wallet_cannot_pay_stay_unfunded(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await earn_unfunded(world, "300.00")
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 300
    assert await reserve_state(world) == (0, 0)
    lot = await PointsLot.get(program_id=world.program.id, customer_id=world.payer.customer_id)
    assert not await Transaction.exists(idempotency_key=f"points-funding-{lot.id}")
    await ledger_ok()


async def test_a_reserve_paid_payment_leaves_the_funding_wallet_alone(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await pay_merchant(world, "300.00")
        payer, funding = await _balance(world.payer.wallet_id), await _balance(world.funding.wallet_id)
        paid = await _pay_with_points(world, "50.00", 120)
    assert payer - await _balance(world.payer.wallet_id) == 5000 - 120
    assert await _balance(world.funding.wallet_id) == funding
    assert await reserve_state(world) == (180, 180)
    redemption = await PointsRedemption.get(payment_id=paid.id)
    assert (redemption.reserve_minor, redemption.transaction_id) == (120, paid.transaction_id)
    await ledger_ok()


async def test_funding_spent_meanwhile_falls_back_to_the_funding_wallet_in_the_same_transaction(database_url, monkeypatch):
    """A payment that read the customer's funding before another payment spent it: its funding claim is refused on
    the row's latest version, nothing of it is written, and the funding wallet pays instead (one commit)."""
    with clock.frozen_at(T0):
        world = await points_world()
        await pay_merchant(world, "300.00")  # 300 points, funded 3.00
        await earn_unfunded(world, "300.00")  # 300 more, unfunded: 600 points, 3.00 set aside
        before_spend = await holding(world.program.id, world.payer.customer_id, now=clock.now())
        assert (before_spend.balance, before_spend.funded_minor) == (600, 300)
        await _pay_with_points(world, "50.00", 200)  # the reserve pays 2.00: 1.00 left set aside
        assert await reserve_state(world) == (100, 100)

        async def as_read_before(program_id, customer_id, **_):  # type: ignore[no-untyped-def]
            return before_spend  # what this payment read before the other one committed

        monkeypatch.setattr(points_discount, "holding", as_read_before)
        payer, funding = await _balance(world.payer.wallet_id), await _balance(world.funding.wallet_id)
        paid = await _pay_with_points(world, "50.00", 250)
    assert (await PointsRedemption.get(payment_id=paid.id)).reserve_minor == 0
    assert funding - await _balance(world.funding.wallet_id) == 250
    assert payer - await _balance(world.payer.wallet_id) == 5000 - 250
    assert await reserve_state(world) == (100, 100)
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 600 - 200 - 250
    await ledger_ok()


async def test_expired_points_give_their_funding_back_to_the_funding_wallet(database_url):
    with clock.frozen_at(T0):
        world = await points_world(expiry_months=1)
        await pay_merchant(world, "300.00")
        await _pay_with_points(world, "50.00", 100)  # 200 points left, 2.00 set aside for them
        funding = await _balance(world.funding.wallet_id)
    # This customer's holding (expire_due takes the oldest lots of the whole shared test database in batches).
    assert await expire_holding(world.program.id, world.payer.customer_id, datetime(2031, 8, 2, tzinfo=timezone.utc)) == 200
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 0
    assert await _balance(world.funding.wallet_id) - funding == 200
    assert await reserve_state(world) == (0, 0)
    await ledger_ok()


async def test_clawed_back_points_give_their_funding_back_to_the_funding_wallet(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        earned = await pay_merchant(world, "300.00")
        funding = await _balance(world.funding.wallet_id)
        await refund(principal=world.bank, payment_id=earned.id, amount="100.00", reason="part",
                     idempotency_key=next_id("rr"))
        await points_caught_up()  # the refund's clawback: 100 of the 300 points
    assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 200
    assert await _balance(world.funding.wallet_id) - funding == 100
    assert await reserve_state(world) == (200, 200)
    await ledger_ok()


async def test_verify_names_a_reserve_that_does_not_hold_its_customers_funding(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await pay_merchant(world, "300.00")
    conn = connections.get("default")
    await execute(conn, "UPDATE points_account SET funded_minor = funded_minor + 1 WHERE program_id = $1",
                  [world.program.id])
    try:
        problems = (await verify_ledger()).problems
    finally:
        await execute(conn, "UPDATE points_account SET funded_minor = funded_minor - 1 WHERE program_id = $1",
                      [world.program.id])
    assert f"points programme {world.program.id} reserve holds 300 but its customers' funding is 301" in problems
    await ledger_ok()


async def test_verify_names_funding_below_zero(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await pay_merchant(world, "300.00")
    conn = connections.get("default")
    await execute(conn, "UPDATE points_account SET funded_minor = -1 WHERE program_id = $1", [world.program.id])
    try:
        problems = (await verify_ledger()).problems
    finally:
        await execute(conn, "UPDATE points_account SET funded_minor = 300 WHERE program_id = $1", [world.program.id])
    assert f"points programme {world.program.id} has 1 customers with funding below zero" in problems
    await ledger_ok()


async def test_migration_0038_gives_a_programme_without_a_reserve_an_empty_one(database_url):
    """The migration's own statements, on a programme made to look older (no reserve account)."""
    migration = importlib.import_module("models.migrations.0038_points_reserve")
    world = await points_world()
    conn = connections.get("default")
    old = (await PointsProgram.get(id=world.program.id)).reserve_account_id
    await execute(conn, "UPDATE points_program SET reserve_account_id = NULL WHERE id = $1", [world.program.id])
    await execute(conn, "DELETE FROM account WHERE id = $1", [old])
    for sql in (migration.CREATE_RESERVES, migration.LINK_RESERVES, migration.CLEAR_KEYS):
        await execute(conn, sql, [])
    program = await PointsProgram.get(id=world.program.id)
    assert program.reserve_account_id is not None and program.reserve_account_id != old
    account = await Account.get(id=program.reserve_account_id)
    assert (account.kind, account.currency, account.partner_id, account.system_key, account.tracks_balance) == (
        AccountKind.POINTS_RESERVE, "CNY", program.partner_id, None, False)
    await ledger_ok()


async def test_redeemed_points_give_their_funding_back_as_the_funding_wallet_pays(database_url):
    """pointsRedeem is paid by the funding wallet: the reserve's part for those points goes back to it in the same
    commit, so the funding wallet pays nothing twice and no funding is left behind for points already spent."""
    with clock.frozen_at(T0):
        world = await points_world()
        await pay_merchant(world, "300.00")
        payer, funding = await _balance(world.payer.wallet_id), await _balance(world.funding.wallet_id)
        key = next_id("rdm")
        await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                     points=100, idempotency_key=key)
        await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                     points=100, idempotency_key=key)  # a replay: nothing more
        assert (await _balance(world.payer.wallet_id) - payer, await _balance(world.funding.wallet_id)) == (100, funding)
        assert await reserve_state(world) == (200, 200)
        await redeem(principal=world.bank, customer_id=world.payer.customer_id, program_id=world.program.id,
                     points=200, idempotency_key=next_id("rdm"))
    assert await _balance(world.funding.wallet_id) == funding
    assert await reserve_state(world) == (0, 0)
    await ledger_ok()


async def test_fund_outstanding_funds_points_held_but_not_set_aside_once(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await earn_unfunded(world, "300.00")
        await _pay_with_points(world, "50.00", 100)  # through the funding wallet: 200 points left, unfunded
        funding = await _balance(world.funding.wallet_id)
        first = await fund_outstanding(limit=100_000)
        assert first.funded >= 1 and first.last is None
        assert await reserve_state(world) == (200, 200)
        assert funding - await _balance(world.funding.wallet_id) == 200
        again = await fund_outstanding(limit=100_000)  # nothing left to fund for this customer
        assert await reserve_state(world) == (200, 200)
        assert funding - await _balance(world.funding.wallet_id) == 200
        assert again.funded_minor <= first.funded_minor
        paid = await _pay_with_points(world, "50.00", 150)  # now the reserve pays
    assert (await PointsRedemption.get(payment_id=paid.id)).reserve_minor == 150
    assert await reserve_state(world) == (50, 50)
    await ledger_ok()


async def test_fund_outstanding_pages_through_customers_in_order(database_url):
    with clock.frozen_at(T0):
        world = await points_world()
        await earn_unfunded(world, "300.00")
        page = await fund_outstanding(limit=1, after=uuid.UUID(int=0))
        assert page.funded + page.left == 1 and page.last is not None
        rest = await fund_outstanding(limit=100_000, after=page.last)
        assert rest.last is None
    assert await reserve_state(world) == (300, 300)
    await ledger_ok()


async def test_a_frozen_funding_wallet_keeps_the_funding_set_aside_and_expiry_goes_on(database_url):
    with clock.frozen_at(T0):
        world = await points_world(expiry_months=1)
        await pay_merchant(world, "300.00")
        await freeze_wallet(principal=staff("compliance"), wallet_id=world.funding.wallet_id, reason="review")
        funding = await _balance(world.funding.wallet_id)
    try:
        assert await expire_holding(world.program.id, world.payer.customer_id,
                                    datetime(2031, 8, 2, tzinfo=timezone.utc)) == 300
        assert (await points_balance(world.program.id, world.payer.customer_id)).balance == 0
        assert await _balance(world.funding.wallet_id) == funding
        assert await reserve_state(world) == (300, 300)  # set aside beyond its points: released later
        await ledger_ok()
    finally:
        await unfreeze_wallet(principal=staff("compliance"), wallet_id=world.funding.wallet_id, reason="done")
