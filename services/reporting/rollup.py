"""The rollup job: closed UTC days summed once into the report tables, and taken out when the past changes.

Why a scheduled job and not the posting path: a rollup row per partner, day,
kind and currency written by every posting would make all of a partner's
postings of a day queue on one row lock. The reports never depend on the job
having run: a day without a rollup is read from the ledger (services.reporting
.reading), so the job only buys speed, never correctness.

A day is rolled once it is closed (SETTLE_MARGIN after midnight UTC, so a
posting still committing at midnight is in). The open day is rolled too, up to
SETTLE_MARGIN before the run (report_partial_day), and rolled again whole on
the next run: a busy day's raw tail would otherwise grow to the whole day, and
a report would read hundreds of thousands of transactions by evening. The past changes in one way only:
a HELD transaction of that day released later (services.ledger.held calls
forget_day in its own database transaction). Rolling a day locks its HELD
transactions first, so a release is either in the rollup or takes it out
afterwards — never lost between the two. Code that backdates rows (the demo's
history) calls forget_since.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from services import clock
from services.db.sql import execute, fetch, is_postgres
from services.reporting.days import day_key, start_of
from services.reporting.facts import FACTS, Fact, raw_sql

SETTLE_MARGIN = timedelta(minutes=10)
log = logging.getLogger("qianbao.reporting")
_ROLL_LOCK_KEY = 0x5142_524F_4C4C  # "QBROLL": the advisory lock that lets one rollup write at a time


@dataclass(frozen=True)
class RollupRun:
    """What one run of the job rolled: closed days, and the open day's instant rolled up to (None: not rolled)."""

    days: int
    partial_until: datetime | None = None
    too_large: tuple[str, ...] = ()  # days left unrolled: their totals do not fit 64 bits


def last_closed_day(at: datetime) -> date:
    """The latest UTC day that is closed at `at` (its end plus SETTLE_MARGIN has passed)."""
    return partial_cutoff(at).date() - timedelta(days=1)


def partial_cutoff(at: datetime) -> datetime:
    """The instant the open day can be rolled up to at `at`: SETTLE_MARGIN earlier, to the whole second (UTC)."""
    # Whole seconds: SQLite compares timestamps as text, and a cutoff without a fraction sorts before every
    # timestamp of its own second that has one.
    return (at - SETTLE_MARGIN).astimezone(timezone.utc).replace(microsecond=0)


async def roll_closed_periods(*, at: datetime | None = None) -> RollupRun:
    """Roll every closed day not rolled yet, then the open day up to SETTLE_MARGIN ago."""
    at = at or clock.now()
    conn = connections.get("default")
    first_row = await fetch(conn, "SELECT MIN(created_at) AS first FROM ledger_transaction", [])
    first = first_row[0]["first"] if first_row else None
    if first is None:
        return RollupRun(0)
    first_day = _utc_day(first)
    last_day = last_closed_day(at)
    rolled = {row["period"] for row in await fetch(conn, "SELECT period FROM report_rolled_period", [])}
    days = 0
    skipped: list[str] = []
    day = first_day
    while day <= last_day:
        if day_key(day) not in rolled:
            if await _rolled_unless_too_large(roll_day(day, at=at), day_key(day), skipped):
                days += 1
            rolled.add(day_key(day))
        day += timedelta(days=1)
    until = partial_cutoff(at)
    if until > start_of(until.date()) and await _rolled_unless_too_large(
            roll_partial_day(until, at=at), day_key(until.date()), skipped):
        return RollupRun(days, until, tuple(skipped))
    return RollupRun(days, None, tuple(skipped))


async def _rolled_unless_too_large(rolling: Awaitable[None], key: str, skipped: list[str]) -> bool:
    """Await one day's rollup; a day whose totals do not fit 64 bits is left to the ledger (False), not a crash."""
    try:
        await rolling
    except OperationalError as exc:
        # Its own transaction rolled back: the day stays unrolled, and a report over it reads the ledger, which
        # refuses such a range clearly (services.reporting.reading). Without this one absurd day would stop the
        # job for every day after it, on every run.
        if "overflow" not in str(exc).lower() and "out of range" not in str(exc).lower():
            raise
        log.warning("reporting rollup: day %s not rolled, its totals do not fit 64 bits", key)
        skipped.append(key)
        return False
    return True


async def _one_roller(conn: BaseDBAsyncClient) -> None:
    # Every serving worker runs the job. Two rolling one period at once under READ COMMITTED could each delete
    # what was there before the other committed and both insert: the period counted twice. One at a time.
    if is_postgres(conn):
        await execute(conn, "SELECT pg_advisory_xact_lock($1)", [_ROLL_LOCK_KEY])
        # A serving process's statements stop at its statement_timeout (api.db.serving_session_settings); one busy
        # day's rollup may rightly take longer, and a job that always timed out would never roll that day.
        await execute(conn, "SET LOCAL statement_timeout = 0", [])


async def _lock_held(conn: BaseDBAsyncClient, start: datetime, end: datetime) -> None:
    # A release updates a HELD row before it takes the period out of the rollups: holding these rows until the
    # rollup commits makes a concurrent release wait, then forget the period the job has just rolled.
    if is_postgres(conn):
        await fetch(conn, "SELECT id FROM ledger_transaction WHERE status = 'HELD' AND created_at >= $1"
                          " AND created_at < $2 FOR UPDATE", [start, end])


async def _store(conn: BaseDBAsyncClient, fact: Fact, start: datetime, end: datetime) -> None:
    columns = ", ".join(fact.columns)
    await execute(conn, f"INSERT INTO {fact.table} ({columns}) SELECT {columns} FROM"
                        f" ({raw_sql(conn, fact, by_partner=False)}) r", [start, end])


async def roll_day(day: date, *, at: datetime) -> None:
    """Store one day's rows of every fact (replacing any) and mark the day rolled, in one database transaction."""
    start, end = start_of(day), start_of(day + timedelta(days=1))
    async with in_transaction() as conn:
        await _one_roller(conn)
        await _lock_held(conn, start, end)
        await _delete_periods(conn, [day_key(day)])
        for fact in FACTS:
            await _store(conn, fact, start, end)
        await execute(conn, "INSERT INTO report_rolled_period (period, rolled_at) VALUES ($1, $2)", [day_key(day), at])


async def roll_partial_day(until: datetime, *, at: datetime) -> None:
    """Store the open day's rows up to `until` (replacing any) and mark it rolled that far, in one transaction."""
    day = until.date()
    start = start_of(day)
    async with in_transaction() as conn:
        await _one_roller(conn)
        await _lock_held(conn, start, until)
        await _delete_periods(conn, [day_key(day)])
        for fact in FACTS:
            await _store(conn, fact, start, until)
        await execute(conn, "INSERT INTO report_partial_day (day, rolled_until, rolled_at) VALUES ($1, $2, $3)",
                      [day_key(day), until, at])


async def _delete_periods(conn: BaseDBAsyncClient, keys: list[str]) -> None:
    # A day's rows go with both of its markers: whole (report_rolled_period) or up to an instant (report_partial_day).
    marks = ", ".join(f"${n}" for n in range(1, len(keys) + 1))
    for fact in FACTS:
        await execute(conn, f"DELETE FROM {fact.table} WHERE {fact.period_column} IN ({marks})", keys)
    await execute(conn, f"DELETE FROM report_rolled_period WHERE period IN ({marks})", keys)
    await execute(conn, f"DELETE FROM report_partial_day WHERE day IN ({marks})", keys)


async def forget_day(conn: BaseDBAsyncClient, created_at: datetime | str) -> None:
    """Take the day of a transaction created then out of the rollups, in the caller's transaction."""
    await _delete_periods(conn, [day_key(_utc_day(created_at))])


def _utc_day(value: datetime | str) -> date:
    """The UTC day of a timestamp as either backend returns it (PostgreSQL: aware datetime; SQLite: UTC text)."""
    return value.astimezone(timezone.utc).date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


async def forget_since(first_day: date) -> int:
    """Take every rolled day from first_day on out of the rollups (rows were dated back to it); how many."""
    conn = connections.get("default")
    keys = [row["period"] for row in await fetch(
        conn, "SELECT period FROM report_rolled_period WHERE period >= $1"
              " UNION SELECT day FROM report_partial_day WHERE day >= $1", [day_key(first_day)])]
    if keys:
        async with in_transaction() as tx:
            await _delete_periods(tx, keys)
    return len(keys)
