"""A 10,000-line bulk payout on PostgreSQL is paid exactly once although its run dies half-way, is retried while
the dead run's lease holds, and is then resumed by two executes and a second runner working at the same time."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from models.bulk_payout import BulkPayout
from services import clock
from services.business import bulk_execute
from services.business.bulk_execute import execute_bulk_payout, run_lines
from services.business.bulk_queries import line_counts
from services.business.bulk_records import COMPLETED, EXECUTING
from tests.conftest import requires_postgres
from tests.integration.test_bulk_payout_flow import assert_paid_exactly_once, bulk_world, new_batch
from tests.untraced import untraced

LINES = 10_000


@requires_postgres
async def test_ten_thousand_lines_are_paid_exactly_once_through_a_crash_and_concurrent_retries(database_url,
                                                                                              monkeypatch):
    world = await bulk_world(payees=50, funds_minor=100 * LINES + 5_000)
    # 10,000 postings of the code test_bulk_payout_flow measures: under coverage this test took 315 s of the CI run
    # (30 s alone), untraced about a quarter of that.
    with untraced():
        t0 = time.perf_counter()
        batch_id = await new_batch(world, LINES)
        upload_s = time.perf_counter() - t0
        real, calls = bulk_execute._post_line, {"n": 0}

        async def dies_half_way(batch, line, runner):
            txn = await real(batch, line, runner)
            calls["n"] += 1
            if calls["n"] == LINES // 2:
                raise RuntimeError("the process died after a posting committed, before its line was marked")
            return txn

        monkeypatch.setattr(bulk_execute, "_post_line", dies_half_way)
        t1 = time.perf_counter()
        first = asyncio.create_task(execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id,
                                                        idempotency_key="payroll-run"))
        while (await line_counts(batch_id)).paid < 100:  # the run is under way: retry it in the middle
            await asyncio.sleep(0.05)
        retried = await execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="payroll-run")
        assert retried.status == EXECUTING and 0 < retried.counts.paid < LINES  # the live run's lease: progress only
        with pytest.raises(Exception):  # the dying worker's error (its task group stopped the other workers)
            await first
        monkeypatch.setattr(bulk_execute, "_post_line", real)
        paid = (await line_counts(batch_id)).paid
        assert LINES // 2 <= paid < LINES // 2 + bulk_execute.POSTGRES_WORKERS
        # The dead run's lease lapses; two executes and a runner that ignores the lease resume at the same time.
        later = timedelta(seconds=bulk_execute.LEASE.total_seconds() + 1)
        clock.set_clock(lambda: clock.system_now() + later)
        try:
            batch = await BulkPayout.get(id=batch_id)
            results = await asyncio.gather(
                execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="payroll-run"),
                execute_bulk_payout(principal=world.partner, bulk_payout_id=batch_id, idempotency_key="payroll-run"),
                run_lines(batch, bulk_execute.line_runner(world.partner)),
            )
        finally:
            clock.set_clock(None)
    execute_s = time.perf_counter() - t1
    assert {r.status for r in results[:2]} <= {EXECUTING, COMPLETED}
    final = await BulkPayout.get(id=batch_id)
    assert final.status == COMPLETED and final.paid_count == LINES and final.paid_minor == 100 * LINES
    await assert_paid_exactly_once(world, batch_id, LINES, 100 * LINES + 5_000)
    print(f"\n10,000-line bulk payout on PostgreSQL: upload+validation {upload_s:.1f} s, execution (crash half-way,"
          f" overlapping resumes) {execute_s:.1f} s")
