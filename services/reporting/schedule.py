"""Running the rollup job: every ROLLUP_INTERVAL_S in the serving process, or once from `qianbao reports rollup`."""

from __future__ import annotations

import asyncio
import logging

from tortoise.exceptions import IntegrityError

from services.db.availability import log_job_failure
from services.reporting.rollup import RollupRun, roll_closed_periods

ROLLUP_INTERVAL_S = 15 * 60.0  # a day is rolled within a quarter of an hour of closing
log = logging.getLogger("qianbao.reporting")


async def roll_once() -> RollupRun:
    """One run of the job; a period another worker is rolling at the same moment is left to it."""
    try:
        return await roll_closed_periods()
    except IntegrityError:
        # Two workers rolled the same period: the marker's primary key let one commit and rolled the other back
        # whole, so nothing was counted twice. The next run carries on.
        log.info("a period was rolled by another worker at the same time")
        return RollupRun(0)


async def run_rollups_forever(interval_s: float = ROLLUP_INTERVAL_S) -> None:
    """Roll closed periods now and then every interval_s, logging (not raising) a failed run."""
    while True:
        try:
            run = await roll_once()
            if run.days:
                log.info("reporting rollups: %d day(s) rolled", run.days)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a transient database error must not stop the job for good
            log_job_failure(log, "reporting rollup", exc)
        await asyncio.sleep(interval_s)
