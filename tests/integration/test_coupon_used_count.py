"""The per-customer limit's count reads the payer's used coupons only, and on PostgreSQL no more than the limit.

Every coupon payment counts the payer's REDEEMED and FORFEITED coupons of each campaign (twice on PostgreSQL:
services.coupons.reserving). Through the (campaign_id, customer_id) index that count visited every coupon the
payer holds in the campaign, issued ones included; migration 0037's partial index holds the used ones only, and
the PostgreSQL statements stop counting at the campaign's limit. These tests pad the payer's coupons inside a
transaction they roll back and check both: the answer (the limit is reached, or not) and what was read.
"""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from models import Coupon
from models.ids import uuid7
from services.coupons import reserving
from services.coupons.checkout import spend_of
from services.errors import CouponNotApplicable
from services.money import parse_amount
from tests.conftest import requires_postgres
from tests.integration.coupon_support import campaign_of, coupon_for, coupon_status, coupon_world


class _RollBack(Exception):
    """Leave none of the padding behind."""


async def _pad(conn, coupon_id, *, issued: int, used: int) -> None:  # type: ignore[no-untyped-def]
    """`issued` ISSUED and `used` REDEEMED copies of the payer's coupon (same campaign and customer, new ids)."""
    k = await Coupon.get(id=coupon_id).using_db(conn)
    await Coupon.bulk_create([
        Coupon(id=uuid7(), campaign_id=k.campaign_id, customer_id=k.customer_id, partner_id=k.partner_id,  # type: ignore[attr-defined]
               status="REDEEMED" if n < used else "ISSUED", source=k.source, issued_at=k.issued_at)
        for n in range(used + issued)], using_db=conn)


async def _world_with_coupon(limit: int):  # type: ignore[no-untyped-def]
    """A campaign with the per-customer limit, and one coupon of it issued to the payer."""
    world = await coupon_world()
    campaign = await campaign_of(world, per_customer_limit=limit, budget="1000.00")
    return world, campaign, await coupon_for(world, campaign)


def _spend(world, amount: str = "60.00"):  # type: ignore[no-untyped-def]
    return spend_of(amount_minor=parse_amount(amount, "CNY"), currency="CNY", merchant_id=world.merchant.id,
                    mcc=world.merchant.mcc)


async def test_used_coupons_past_the_limit_refuse_and_issued_ones_do_not_count(database_url):
    world, _, coupon_id = await _world_with_coupon(limit=3)
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await _pad(conn, coupon_id, issued=40, used=2)  # 2 used < 3: the coupon still applies
            reserved = await reserving.reserve(conn, customer_id=world.payer.customer_id, coupon_ids=[coupon_id],
                                               spend=_spend(world), with_points=False, payment_id=coupon_id)
            assert [a.coupon_id for a in reserved.applied] == [coupon_id]
            raise _RollBack()
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await _pad(conn, coupon_id, issued=40, used=7)  # 7 used >= 3, counted to 3 on PostgreSQL
            with pytest.raises(CouponNotApplicable) as refused:
                await reserving.reserve(conn, customer_id=world.payer.customer_id, coupon_ids=[coupon_id],
                                        spend=_spend(world), with_points=False, payment_id=coupon_id)
            assert refused.value.reason == "CUSTOMER_LIMIT_REACHED"
            raise _RollBack()
    assert await coupon_status(coupon_id) == "ISSUED"  # nothing kept


@requires_postgres
async def test_the_locking_read_counts_used_coupons_up_to_the_limit_through_the_partial_index(database_url):
    world, _, coupon_id = await _world_with_coupon(limit=3)
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await _pad(conn, coupon_id, issued=2000, used=500)
            await conn.execute_query("ANALYZE coupon")  # the planner sees the padded table
            before = await _fetched_through_indexes(conn)
            rows = await conn.execute_query_dict(reserving._LOCK_AND_READ_SQL,
                                                 [str(world.payer.customer_id), [str(coupon_id)]])
            after = await _fetched_through_indexes(conn)
            assert [int(r["used"]) for r in rows] == [3]  # counted to the limit, not to 500
            raise _RollBack()
    # The coupon by its id and the limit's worth of used coupons: never the 2,500 padded ones.
    assert after - before <= 1 + 3


async def test_the_used_coupons_index_exists(database_url):
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict("SELECT indexdef FROM pg_indexes WHERE indexname = $1",
                                             ["idx_coupon_used_by_customer"])
        definition = rows[0]["indexdef"] if rows else ""
    else:
        rows = await conn.execute_query_dict("SELECT sql FROM sqlite_master WHERE name = ?",
                                             ["idx_coupon_used_by_customer"])
        definition = rows[0]["sql"] if rows else ""
    assert "campaign_id, customer_id" in definition and "REDEEMED" in definition and "FORFEITED" in definition


async def _fetched_through_indexes(conn) -> int:  # type: ignore[no-untyped-def]
    """Coupon rows this transaction has fetched through an index so far."""
    rows = await conn.execute_query_dict(
        "SELECT idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = 'coupon'")
    return int(rows[0]["idx_tup_fetch"]) if rows else 0
