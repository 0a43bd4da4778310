"""bench/transfer_bench/lock_waits on a real PostgreSQL: a backend waiting on a lock held by a transaction that is
idle between its statements is counted as waiting, and as waiting behind an idle holder."""

from __future__ import annotations

import asyncio

import asyncpg

from api.db import asyncpg_dsn
from bench.transfer_bench.lock_waits import LockSampler
from tests.conftest import requires_postgres

pytestmark = requires_postgres

_KEY = 7_310_042  # an advisory lock no code of the API takes


async def test_a_waiter_behind_an_idle_transaction_is_sampled_as_such(database_url):
    dsn = asyncpg_dsn(database_url)
    holder, waiter = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", _KEY)  # then idle in transaction
        waiting = asyncio.create_task(waiter.execute("SELECT pg_advisory_lock($1)", _KEY))
        await asyncio.sleep(0.3)  # the waiter is queued on the lock
        sampler = LockSampler(dsn)
        await sampler.start()
        await asyncio.sleep(0.4)
        seen = await sampler.stop()
        await holding.rollback()  # releases the lock: the waiter gets it
        await asyncio.wait_for(waiting, 10)
        await waiter.execute("SELECT pg_advisory_unlock($1)", _KEY)
    finally:
        await holder.close()
        await waiter.close()
    assert seen.samples >= 3
    assert seen.waiting == seen.samples  # one waiter in every sample
    assert seen.behind_idle == seen.samples  # and its holder idle in transaction
    assert seen.active >= seen.samples  # the waiting backend is active (running its statement)
