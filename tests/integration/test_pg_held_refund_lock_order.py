"""A compliance decision takes the locks of what it changes in the order the money paths take them, so it cannot
deadlock with them (services.payments.held_outcomes): a held refund's with another refund of the same payment
(lock_before_decision), a held payment's rejection with a payment using the same campaign (lock_claimed_rows), and a
refund giving points back with a points payment of the same payer (services.points.returning.lock_spent_points).

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
from models import CouponCampaign, DomainEvent, Payment, PointsAccount, PointsRedemption, Transaction, Wallet
from services.coupons.campaigns import create_campaign
from services.coupons.checkout import DiscountAsk
from services.coupons.issuing import issue_coupons
from services.ledger.posting import post_top_up
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from services.payments.refunds import refund
from tests.factories import next_id
from tests.integration.coupon_support import coupon_status, terms
from tests.integration.points_support import ledger_ok
from tests.integration.service_support import holder
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


async def test_a_held_payment_rejected_waits_for_a_payment_using_its_campaign(database_url):
    """A rejected held payment gives its coupon back (its campaign's row); a new payment with a coupon of the same
    campaign to the same merchant claims that row, then the merchant's and the budget's accounts."""
    if not database_url.startswith("postgres"):
        pytest.skip("row-lock order needs PostgreSQL")
    world, _, merchant = await _world(points=False)
    newcomer = await holder(world.bank, country="PN", tier=1)  # its wallet opens today: 600.00 from it is held
    for _ in range(2):
        await post_top_up(principal=world.bank, wallet_id=newcomer.wallet_id, amount="400.00",
                          idempotency_key=next_id("lo-t"))
    campaign = await create_campaign(principal=world.bank, terms=terms(
        funding_wallet_id=world.funding.wallet_id, stackable=True, refund_rule="RESTORE"))
    coupon = (await issue_coupons(principal=world.bank, campaign_id=campaign.id,
                                  customer_ids=[newcomer.customer_id])).coupons[0].id
    request = await create_payment_request(principal=world.bank, merchant_id=merchant.id, amount="600.00",
                                           single_use=True)
    paid = await pay(principal=world.bank, from_wallet_id=newcomer.wallet_id, qr_payload=request.payload, amount=None,
                     idempotency_key=next_id("lo-p"), discounts=DiscountAsk(coupon_ids=(coupon,)))
    transaction = await Transaction.get(id=paid.transaction_id)
    assert transaction.status.value == "HELD"
    payer_account = (await Wallet.get(id=newcomer.wallet_id)).account_id  # type: ignore[attr-defined]
    others = sorted({int(leg[0]) for leg in transaction.held_legs} - {payer_account})  # the merchant's, the budget's
    assert (await CouponCampaign.get(id=campaign.id)).budget_account_id in others  # type: ignore[attr-defined]
    await _while_a_refund_holds(
        asyncpg_dsn(database_url),
        [("SELECT id FROM coupon_campaign WHERE id = $1 FOR UPDATE", campaign.id)],  # the new payment's claim
        ("SELECT id FROM account WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", others),  # then its accounts
        _decide(transaction.id, "REJECT"))
    assert (await Transaction.get(id=transaction.id)).status.value == "REJECTED"
    assert await coupon_status(coupon) == "ISSUED"  # given back
    await ledger_ok()


async def test_a_refund_giving_points_back_waits_for_a_points_payment_of_the_payer(database_url):
    """A refund gives the payment's points back after its posting locked the payer's wallet account; a points payment
    of the same payer claims the POINTS account, then its wallet account. The refund now takes the POINTS account
    before its posting (services.points.returning.lock_spent_points)."""
    if not database_url.startswith("postgres"):
        pytest.skip("row-lock order needs PostgreSQL")
    world, payer, merchant = await _world(points=True)
    _, _, paid = await _discounted(world, payer, merchant, points=True)  # 600.00, a 10.00 coupon and 200 points
    points_account = (await PointsAccount.get(program_id=world.program.id, customer_id=payer.customer_id)).account_id  # type: ignore[attr-defined]
    payer_account = (await Wallet.get(id=payer.wallet_id)).account_id  # type: ignore[attr-defined]
    await _while_a_refund_holds(
        asyncpg_dsn(database_url),
        [("SELECT id FROM account WHERE id = $1 FOR UPDATE", points_account)],  # the points payment's claim
        ("SELECT id FROM account WHERE id = ANY($1::bigint[]) FOR UPDATE", [payer_account]),  # then its wallet
        refund(principal=world.bank, payment_id=paid.id, amount="100.00", reason="returned",  # under the hold's 500
               idempotency_key=next_id("lo-r")))
    assert (await Payment.get(id=paid.id)).refunded_minor == 10000
    assert (await PointsRedemption.get(payment_id=paid.id)).returned_points > 0  # its share of the points came back
    await ledger_ok()
