"""Reading a fact for a range of days: the rollups for the days rolled, the ledger for the rest, in one snapshot."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from services.db.sql import as_datetime, fetch, is_postgres
from services.errors import ValidationFailed
from services.scoping import chosen_partner_clause
from services.reporting.days import DayRange, day_key, spans, start_of
from services.reporting.facts import Fact, raw_sql

Row = dict[str, Any]


@asynccontextmanager
async def report_snapshot() -> AsyncIterator[BaseDBAsyncClient]:
    """A read transaction that sees one snapshot: a day rolled, or taken out, mid-report is counted exactly once."""
    async with in_transaction() as conn:
        if is_postgres(conn):
            # The rollup markers, the rollup rows and the raw tail are read by separate statements: under READ
            # COMMITTED a rollup committing between them would count its day twice or not at all.
            await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # The raw tail's span is a parameter: a generic plan (asyncpg prepares statements) would not know it
            # is a day or two and may scan whole tables; plan each statement for its values.
            await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
        yield conn


async def rolled_days(conn: BaseDBAsyncClient, days: DayRange) -> set[str]:
    """The keys of the range's days that the rollups answer for."""
    first, last = days.keys
    rows = await fetch(conn, "SELECT period FROM report_rolled_period WHERE period >= $1 AND period <= $2"
                             " AND LENGTH(period) = 10", [first, last])
    return {row["period"] for row in rows}


async def ledger_spans(conn: BaseDBAsyncClient, days: DayRange) -> list[tuple[datetime, datetime]]:
    """The instants [start, end) of the range the rollups do not answer for: the ledger is read for these only."""
    first, last = days.keys
    rolled = await rolled_days(conn, days)
    partial = {row["day"]: as_datetime(row["rolled_until"]) for row in await fetch(
        conn, "SELECT day, rolled_until FROM report_partial_day WHERE day >= $1 AND day <= $2", [first, last])}
    out: list[tuple[datetime, datetime]] = []
    for run_first, run_last in spans([day for day in days.days if day_key(day) not in rolled]):
        start = start_of(run_first)
        for offset in range((run_last - run_first).days + 1):
            day = run_first + timedelta(days=offset)
            until = partial.get(day_key(day))
            if until is not None:
                # The day's rows up to `until` are in the rollups: the ledger answers for the days before it in
                # this run and for the day after `until` only.
                if start < start_of(day):
                    out.append((start, start_of(day)))
                start = until
        out.append((start, start_of(run_last + timedelta(days=1))))
    return out


async def _sums(conn: BaseDBAsyncClient, sql: str, values: list) -> list[Row]:
    """Run a summing statement; totals past what a 64-bit integer holds are refused clearly, not as a crash."""
    try:
        return await fetch(conn, sql, values)
    except OperationalError as exc:
        # SQLite's SUM stops at 2^63 minor units (PostgreSQL's does not, but the rollup columns do): only ranges
        # with absurd amounts (test data of refused 10^15 top-ups) get there. A narrower question still answers.
        if "overflow" not in str(exc).lower() and "out of range" not in str(exc).lower():
            raise
        raise ValidationFailed("the totals of this range are too large to add up here: ask for fewer days or one"
                               " partner", field=["to"]) from exc


async def read_fact(conn: BaseDBAsyncClient, fact: Fact, days: DayRange, partner_id: uuid.UUID | None, *,
                    keep_day: bool = True) -> list[Row]:
    """The fact's rows over the range (per day, or summed over it when keep_day is False), rollups plus raw tail."""
    first, last = days.keys
    keys = [*((fact.period_column,) if keep_day else ()), *fact.dimensions]
    sums = ", ".join(f"SUM({m}) AS {m}" for m in fact.measures)
    group = ", ".join(keys)
    where, chosen = chosen_partner_clause(partner_id, "partner_id", 3)
    rows = await _sums(
        conn, f"SELECT {group}, {sums} FROM {fact.table} WHERE {fact.period_column} >= $1"
              f" AND {fact.period_column} <= $2{where} GROUP BY {group}",
        [first, last, *chosen],
    )
    for start, end in await ledger_spans(conn, days):
        raw = raw_sql(conn, fact, by_partner=partner_id is not None)
        rows += await _sums(conn, f"SELECT {group}, {sums} FROM ({raw}) r GROUP BY {group}", [start, end, *chosen])
    # A partly rolled day has rows from both sides: added together like the days of a range.
    return merge(rows, keys, fact.measures)


def normalised(row: Row, measures: tuple[str, ...]) -> Row:
    """A row with its measures as int (drivers return sums as Decimal or int) and ids as UUID."""
    out = dict(row)
    for m in measures:
        out[m] = int(out[m] or 0)
    for key in ("partner_id", "merchant_id"):
        if key in out and out[key] is not None and not isinstance(out[key], uuid.UUID):
            out[key] = uuid.UUID(str(out[key]))
    return out


def merge(rows: list[Row], keys: list[str], measures: tuple[str, ...]) -> list[Row]:
    """Rows with equal keys added together (the rolled part and the raw part of one group)."""
    merged: dict[tuple, Row] = {}
    for row in (normalised(r, measures) for r in rows):
        key = tuple(row[k] for k in keys)
        if key in merged:
            for m in measures:
                merged[key][m] += row[m]
        else:
            merged[key] = row
    return list(merged.values())
