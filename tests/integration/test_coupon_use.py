"""The coupons' reservation as claims in the payment's posting statement (services.coupons.reserving) and the
per-customer limit's row it claims (models.CouponUse, services.coupons.uses, migration 0039).

The rules are decided on rows read without a lock; these tests change a row between that read and the posting
(what a concurrent payment would do) and check that the posting's claim refuses with the right reason and writes
nothing. The PostgreSQL races themselves are in test_pg_coupon_concurrency.
"""

from __future__ import annotations

import importlib

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from models import CouponUse, Payment, Wallet
from services.coupons import checkout, reserving
from services.coupons.uses import ensure_use, give_use_back
from services.db.sql import execute, fetch, is_postgres
from services.errors import CouponNotApplicable
from services.ledger.verify import verify_ledger
from services.payments.refunds import refund
from tests.factories import next_id
from tests.integration.coupon_support import budget_state, campaign_of, coupon_for, coupon_status, coupon_world, pay_with
from tests.integration.points_support import ledger_ok


async def _balance(wallet_id) -> int:  # type: ignore[no-untyped-def]
    wallet = await Wallet.get(id=wallet_id).prefetch_related("account")
    return int(wallet.account.balance_minor)  # type: ignore[attr-defined]


async def _used(campaign_id, customer_id) -> int | None:  # type: ignore[no-untyped-def]
    row = await CouponUse.get_or_none(campaign_id=campaign_id, customer_id=customer_id)
    return None if row is None else row.used


@pytest.mark.parametrize("rule", ["RESTORE", "FORFEIT"])
async def test_the_use_row_is_made_at_issue_raised_by_a_payment_and_lowered_only_by_a_restore(database_url, rule):
    world = await coupon_world()
    campaign = await campaign_of(world, refund_rule=rule, per_customer_limit=2)
    first = await coupon_for(world, campaign)
    assert await _used(campaign.id, world.payer.customer_id) == 0
    second = await coupon_for(world, campaign)  # the same pair: still one row
    assert await CouponUse.filter(campaign_id=campaign.id, customer_id=world.payer.customer_id).count() == 1
    paid = await pay_with(world, "60.00", coupons=[first])
    await pay_with(world, "60.00", coupons=[second])
    assert await _used(campaign.id, world.payer.customer_id) == 2
    await refund(principal=world.bank, payment_id=paid.id, amount="60.00", reason="all", idempotency_key=next_id("r"))
    assert await _used(campaign.id, world.payer.customer_id) == (1 if rule == "RESTORE" else 2)
    await ledger_ok()


async def _pay_after(world, coupon_id, meanwhile):  # type: ignore[no-untyped-def]
    """Pay 60.00 with the coupon, running `meanwhile` (SQL) after the rules were decided and before the posting."""
    decide = reserving.decide

    async def decided_then_changed(**kwargs):  # type: ignore[no-untyped-def]
        discounts = await decide(**kwargs)
        sql, values = meanwhile
        await execute(connections.get("default"), sql, values)
        return discounts

    checkout.reserving.decide = decided_then_changed  # type: ignore[assignment]
    try:
        return await pay_with(world, "60.00", coupons=[coupon_id])
    finally:
        checkout.reserving.decide = decide  # type: ignore[assignment]


@pytest.mark.parametrize("what", ["ALREADY_USED", "BUDGET_EXHAUSTED", "CUSTOMER_LIMIT_REACHED"])
async def test_a_row_changed_after_the_read_is_refused_by_its_claim_and_nothing_is_written(database_url, what):
    world = await coupon_world()
    campaign = await campaign_of(world, budget="100.00")
    coupon = await coupon_for(world, campaign)
    change = {
        # A concurrent payment took the coupon, the budget, or the payer's one use of the campaign.
        "ALREADY_USED": ("UPDATE coupon SET status = 'REDEEMED' WHERE id = $1", [coupon]),
        "BUDGET_EXHAUSTED": ("UPDATE coupon_campaign SET budget_used_minor = 9500 WHERE id = $1", [campaign.id]),
        "CUSTOMER_LIMIT_REACHED": ("UPDATE coupon_use SET used = 1 WHERE campaign_id = $1", [campaign.id]),
    }[what]
    undo = {
        "ALREADY_USED": ("UPDATE coupon SET status = 'ISSUED' WHERE id = $1", [coupon]),
        "BUDGET_EXHAUSTED": ("UPDATE coupon_campaign SET budget_used_minor = 0 WHERE id = $1", [campaign.id]),
        "CUSTOMER_LIMIT_REACHED": ("UPDATE coupon_use SET used = 0 WHERE campaign_id = $1", [campaign.id]),
    }[what]
    balance = await _balance(world.payer.wallet_id)
    payments = await Payment.all().count()
    with pytest.raises(CouponNotApplicable) as caught:
        await _pay_after(world, coupon, change)
    assert (caught.value.reason, caught.value.field) == (what, ["couponIds", "0"])
    await execute(connections.get("default"), *undo)
    # Nothing of the payment was written: no money moved, the coupon, budget and use count as they were.
    assert await _balance(world.payer.wallet_id) == balance and await Payment.all().count() == payments
    assert await coupon_status(coupon) == "ISSUED"
    assert await budget_state(campaign.id) == (10000, 0, 10000)
    assert await _used(campaign.id, world.payer.customer_id) == 0
    # And with the row as it was, the same coupon pays.
    await pay_with(world, "60.00", coupons=[coupon])
    assert (await coupon_status(coupon), await _used(campaign.id, world.payer.customer_id)) == ("REDEEMED", 1)
    await ledger_ok()


async def test_a_coupon_without_a_use_row_gets_one_when_it_pays(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world)
    coupon = await coupon_for(world, campaign)
    await CouponUse.filter(campaign_id=campaign.id, customer_id=world.payer.customer_id).delete()
    await pay_with(world, "60.00", coupons=[coupon])
    assert await _used(campaign.id, world.payer.customer_id) == 1
    await ledger_ok()


class _RollBack(Exception):
    """Leave the table as it was."""


async def test_migration_0039_counts_every_pairs_used_coupons(database_url):
    """The migration's own backfill, run on a table emptied inside a transaction that is rolled back."""
    migration = importlib.import_module("models.migrations.0039_coupon_use")
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=3, refund_rule="FORFEIT")
    coupons = [await coupon_for(world, campaign) for _ in range(3)]
    paid = await pay_with(world, "60.00", coupons=[coupons[1]])
    await pay_with(world, "60.00", coupons=[coupons[2]])
    await refund(principal=world.bank, payment_id=paid.id, amount="60.00", reason="all", idempotency_key=next_id("r"))
    assert await coupon_status(coupons[1]) == "FORFEITED"
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await execute(conn, "DELETE FROM coupon_use", [])
            await conn.execute_query(migration.BACKFILL_POSTGRES if is_postgres(conn) else migration.BACKFILL_SQLITE)
            rows = await fetch(conn, "SELECT id, used FROM coupon_use WHERE campaign_id = $1 AND customer_id = $2",
                               [campaign.id, world.payer.customer_id])
            assert [(str(r["id"]), int(r["used"])) for r in rows] == [(str(min(coupons, key=str)), 2)]
            total = await fetch(conn, "SELECT COUNT(*) AS n FROM coupon_use", [])
            pairs = await fetch(conn, "SELECT COUNT(*) AS n FROM (SELECT DISTINCT campaign_id, customer_id FROM coupon)"
                                      " AS p", [])
            assert int(total[0]["n"]) == int(pairs[0]["n"])
            raise _RollBack()
    assert await _used(campaign.id, world.payer.customer_id) == 2
    await ledger_ok()


async def test_verify_names_a_use_row_that_miscounts(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=2)
    used, spare = await coupon_for(world, campaign), await coupon_for(world, campaign)
    await pay_with(world, "60.00", coupons=[used])
    conn = connections.get("default")
    await execute(conn, "UPDATE coupon_use SET used = 2 WHERE campaign_id = $1", [campaign.id])
    try:
        problems = (await verify_ledger()).problems
    finally:
        await execute(conn, "UPDATE coupon_use SET used = 1 WHERE campaign_id = $1", [campaign.id])
    customer = world.payer.customer_id
    assert (f"customer {customer} has 1 used coupons of campaign {campaign.id} but its coupon_use row counts 2"
            in problems)
    other = await campaign_of(world)
    unused = await coupon_for(world, other)
    await execute(conn, "UPDATE coupon_use SET used = 1 WHERE campaign_id = $1", [other.id])
    try:
        problems = (await verify_ledger()).problems
    finally:
        await execute(conn, "UPDATE coupon_use SET used = 0 WHERE campaign_id = $1", [other.id])
    assert f"customer {customer} has no used coupons of campaign {other.id} but its coupon_use row counts 1" in problems
    assert await coupon_status(unused) == await coupon_status(spare) == "ISSUED"
    await ledger_ok()


async def test_making_a_use_row_twice_keeps_one_and_a_count_never_goes_below_zero(database_url):
    world = await coupon_world()
    campaign = await campaign_of(world)
    coupon = await coupon_for(world, campaign)
    conn, customer = connections.get("default"), world.payer.customer_id
    await pay_with(world, "60.00", coupons=[coupon])
    await ensure_use(conn, campaign_id=campaign.id, customer_id=customer)  # already there: left as it is
    assert await CouponUse.filter(campaign_id=campaign.id, customer_id=customer).count() == 1
    assert await _used(campaign.id, customer) == 1
    await execute(conn, "UPDATE coupon_use SET used = 0 WHERE campaign_id = $1", [campaign.id])
    try:
        with pytest.raises(RuntimeError):
            await give_use_back(conn, campaign_id=campaign.id, customer_id=customer)
        assert await _used(campaign.id, customer) == 0
    finally:
        await execute(conn, "UPDATE coupon_use SET used = 1 WHERE campaign_id = $1", [campaign.id])
    await ledger_ok()
