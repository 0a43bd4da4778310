"""A compliance decision on a held refund takes the payment's locks in a refund's order, so it cannot deadlock with
another refund of the same payment being posted (services.payments.held_outcomes.lock_before_decision).

Each test plays the other refund by hand on its own connection, in the order a refund locks: the payment's row
(after the discounted payment's campaigns), then, once the decision waits, what that refund would lock next. Before
the fix the decision held the held transaction's accounts (RELEASE) or the merchant's limit-usage row (REJECT of a
discounted payment's refund) while it waited for the payment: the second lock closed the circle and PostgreSQL
rolled one of the two back. Now the decision waits before it locks anything the refund needs.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from api.db import asyncpg_dsn
from models import DomainEvent, Payment, Transaction, Wallet
from tests.integration.points_support import ledger_ok
from tests.integration.test_held_refunds import _decide, _discounted, _held_refund, _paid, _world


async def _waits_on_a_lock(admin: asyncpg.Connection, other_than: int, timeout_s: float = 10.0) -> None:
    """Until a backend other than `other_than` waits on a lock in this database (the decision, blocked)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        waiting = await admin.fetchval(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> $1", other_than)
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the decision never waited for the refund's lock")


async def _account_ids(*wallet_ids) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted([(await Wallet.get(id=w)).account_id for w in wallet_ids])  # type: ignore[attr-defined]


async def _while_a_refund_holds(dsn: str, first_locks: list[tuple[str, object]], then_lock: tuple[str, list],
                                decision) -> None:  # type: ignore[no-untyped-def]
    """The other refund takes `first_locks`, the decision starts and waits, the other refund then takes `then_lock`
    (the next rows a refund locks) and commits; the decision must then finish."""
    refund_conn, admin = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await refund_conn.execute("SET deadlock_timeout = '100ms'")
        await refund_conn.execute("SET lock_timeout = '10s'")
        tx = refund_conn.transaction()
        await tx.start()
        for sql, value in first_locks:
            await refund_conn.fetch(sql, value)
        deciding = asyncio.create_task(decision)
        try:
            await _waits_on_a_lock(admin, refund_conn.get_server_pid())
            sql, values = then_lock
            await refund_conn.fetch(sql, values)  # before the fix: deadlock detected, here or in the decision
        finally:
            await tx.commit()
        await asyncio.wait_for(deciding, 20)
    finally:
        await refund_conn.close()
        await admin.close()


async def test_a_release_waits_for_another_refund_of_the_payment(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("row-lock order needs PostgreSQL")
    world, payer, merchant = await _world(points=False)
    paid = await _paid(world, payer, merchant, None)
    held, transaction = await _held_refund(world, paid, "550.00")
    accounts = await _account_ids(payer.wallet_id, merchant.settlement_wallet_id)
    await _while_a_refund_holds(
        asyncpg_dsn(database_url),
        [("SELECT id FROM payment WHERE id = $1 FOR UPDATE", paid.id)],  # a plain refund's claim on the payment
        ("SELECT id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", accounts),  # then its accounts
        _decide(transaction.id, "RELEASE"))
    assert (await Transaction.get(id=transaction.id)).status.value == "POSTED"
    assert (await Payment.get(id=paid.id)).refunded_minor == 55000
    assert await DomainEvent.filter(type="payment.refunded", object_id=str(paid.id)).exists()
    await ledger_ok()


async def test_a_rejection_waits_for_another_refund_of_a_discounted_payment(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("row-lock order needs PostgreSQL")
    world, payer, merchant = await _world(points=False)
    campaign, _, paid = await _discounted(world, payer, merchant, points=False)
    held, transaction = await _held_refund(world, paid)
    merchant_customer = (await Wallet.get(id=merchant.settlement_wallet_id)).customer_id  # type: ignore[attr-defined]
    await _while_a_refund_holds(
        asyncpg_dsn(database_url),
        # A discounted payment's refund: its campaigns, then the payment (services.coupons.refunding.post_refund) ...
        [("SELECT id FROM coupon_campaign WHERE id = $1 FOR UPDATE", campaign.id),
         ("SELECT id FROM payment WHERE id = $1 FOR UPDATE", paid.id)],
        # ... then its posting's first lock, the merchant's limit-usage row (a REJECT locks it before the accounts).
        ("SELECT customer_id FROM limit_usage WHERE customer_id = ANY($1::uuid[]) FOR UPDATE", [merchant_customer]),
        _decide(transaction.id, "REJECT"))
    assert (await Transaction.get(id=transaction.id)).status.value == "REJECTED"
    assert (await Payment.get(id=paid.id)).refunded_minor == 0
    await ledger_ok()
