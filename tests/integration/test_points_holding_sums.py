"""The holding's lot sums computed in SQL (services.points.holdings) against services.points.lots, the pure reference.

Each case writes random lots and a random balance for one customer's points account inside a transaction that is
rolled back (nothing stays: the ledger's balances are untouched), reads the holding on that connection at a random
`now` and `until`, and compares the two sums with lots.due_to_expire and lots.expiring_within on the same lots.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from tortoise.transactions import in_transaction

from models import PointsAccount, PointsLot
from services import clock
from services.db.sql import execute
from services.points.holdings import holding
from services.points.lots import Lot, due_to_expire, expiring_within
from tests.integration.points_support import pay_merchant, points_world

_T0 = datetime(2033, 3, 1, tzinfo=timezone.utc)


class _RolledBack(Exception):
    """Raised at the end of a case: the transaction's lots and balance are undone."""


def _random_lots(rnd: random.Random) -> list[tuple[datetime, datetime, int, int]]:
    """(earned_at, expires_at, earned, clawed): some earned at the same moment, some expiring out of earning order,
    some fully clawed back, sizes from 0 up."""
    lots = []
    for _ in range(rnd.randint(0, 12)):
        earned_at = _T0 + timedelta(days=rnd.choice([0, 0, 1, 5, 30, 31, 200]), microseconds=rnd.choice([0, 7]))
        expires_at = earned_at + timedelta(days=rnd.choice([10, 30, 365]))
        earned = rnd.randint(0, 50)
        lots.append((earned_at, expires_at, earned, rnd.randint(0, earned + 3)))
    return lots


async def _case(world, account, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    lots = _random_lots(rnd)
    sizes = sum(max(e - c, 0) for _, _, e, c in lots)
    balance = rnd.randint(0, sizes + 5)  # more than the lots hold is read as nothing consumed
    now = _T0 + timedelta(days=rnd.choice([0, 10, 29, 30, 40, 300, 400, 700]))
    if rnd.random() < 0.3 and lots:
        now = rnd.choice(lots)[1]  # exactly at a lot's expiry: it counts as expired
    until = now + timedelta(days=rnd.choice([1, 30, 90]))
    with pytest.raises(_RolledBack):
        async with in_transaction() as conn:
            await PointsLot.filter(program_id=world.program.id, customer_id=world.payer.customer_id).using_db(
                conn).delete()
            for earned_at, expires_at, earned, clawed in lots:
                await PointsLot.create(using_db=conn, program_id=world.program.id, customer_id=world.payer.customer_id,
                                       source_id=uuid.uuid4(), transaction_id=uuid.uuid4(), spend_minor=100,
                                       earned_points=earned, clawed_points=clawed, month_key="2033-03",
                                       earned_at=earned_at, expires_at=expires_at)
            await execute(conn, "UPDATE account SET balance_minor = $1 WHERE id = $2", [balance, account.account_id])
            held = await holding(world.program.id, world.payer.customer_id, now=now, until=until, conn=conn)
            # The reference reads the lots as the old read did: oldest first by earning, then by id.
            rows = await PointsLot.filter(program_id=world.program.id, customer_id=world.payer.customer_id).using_db(
                conn).order_by("earned_at", "id")
            reference = [Lot(earned_at=r.earned_at, expires_at=r.expires_at, size=max(r.earned_points - r.clawed_points, 0))
                         for r in rows]
            consumed = sum(lot.size for lot in reference) - balance
            assert held.balance == balance
            assert held.due_points == due_to_expire(reference, consumed, now), (lots, balance, now)
            assert held.expiring_points == expiring_within(reference, consumed, now, until), (lots, balance, now, until)
            raise _RolledBack


async def test_the_sql_sums_match_the_reference_on_random_lots(database_url):
    with clock.frozen_at(_T0):
        world = await points_world()
        await pay_merchant(world, "10.00")  # the payer's points account, with one real lot
    account = await PointsAccount.get(program_id=world.program.id, customer_id=world.payer.customer_id)
    before = await holding(world.program.id, world.payer.customer_id, now=_T0)
    rnd = random.Random(20261208)
    for _ in range(60):
        await _case(world, account, rnd)
    after = await holding(world.program.id, world.payer.customer_id, now=_T0)
    assert after == before  # every case rolled back


async def test_a_customer_without_lots_or_account_reads_zero(database_url):
    with clock.frozen_at(_T0):
        world = await points_world()
    held = await holding(world.program.id, world.payer.customer_id, now=_T0, until=_T0 + timedelta(days=30))
    assert (held.account_id, held.balance, held.due_points, held.expiring_points) == (None, 0, 0, 0)
