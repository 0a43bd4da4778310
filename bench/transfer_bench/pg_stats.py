"""What PostgreSQL did inside a measured window: seq scans per table, and the costliest statements.

Seq scans come from pg_stat_user_tables, always there: a table read whole on a posting path costs CPU that grows
with the table (the generic plan of a prepared statement can choose one on a table of a few thousand rows). The
statements come from pg_stat_statements when the server loads it (shared_preload_libraries); without it the report
says how to turn it on. Backends report their counters when they go idle, at most once a second, so a window of a
few seconds sees all but its last second's: the figures are per unit of work, not totals. Row-lock waits are
sampled from pg_stat_activity across the window (transfer_bench/lock_waits.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from .database import database_of, with_database
from .lock_waits import LockSampler, LockWaits

STATEMENTS_HINT = ("pg_stat_statements is not loaded: ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements',"
                   " restart PostgreSQL, CREATE EXTENSION pg_stat_statements in database postgres")


@dataclass
class Statement:
    calls: int
    total_ms: float
    rows: int
    text: str


@dataclass
class Activity:
    """Seq scans (and rows they read) per table, and the statements by total execution time, inside a window."""
    seq_scans: dict[str, int] = field(default_factory=dict)
    seq_rows: dict[str, int] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    statements_available: bool = False
    locks: LockWaits = field(default_factory=LockWaits)

    def add(self, other: Activity) -> None:
        """Pool another window's activity into this one (rounds of the same run)."""
        self.locks.add(other.locks)
        for table, n in other.seq_scans.items():
            self.seq_scans[table] = self.seq_scans.get(table, 0) + n
        for table, n in other.seq_rows.items():
            self.seq_rows[table] = self.seq_rows.get(table, 0) + n
        by_text = {s.text: s for s in self.statements}
        for s in other.statements:
            mine = by_text.get(s.text)
            if mine is None:
                by_text[s.text] = Statement(s.calls, s.total_ms, s.rows, s.text)
            else:
                mine.calls, mine.total_ms, mine.rows = mine.calls + s.calls, mine.total_ms + s.total_ms, mine.rows + s.rows
        self.statements = sorted(by_text.values(), key=lambda s: s.total_ms, reverse=True)
        self.statements_available = self.statements_available or other.statements_available


class Window:
    """Snapshots of one benchmark database's counters: `start()` when the window opens, `stop()` when it closes."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._scans: dict[str, tuple[int, int]] = {}
        self._statements = False
        self._locks: LockSampler | None = None

    async def _connect_admin(self) -> asyncpg.Connection | None:
        """A connection to database postgres where pg_stat_statements is installed, or None."""
        try:
            conn = await asyncpg.connect(with_database(self.dsn, "postgres"))
        except (OSError, asyncpg.PostgresError):
            return None
        ok = await conn.fetchval("SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
        loaded = await conn.fetchval("SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'")
        if ok and loaded:
            return conn
        await conn.close()
        return None

    async def _table_scans(self) -> dict[str, tuple[int, int]]:
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch("SELECT relname, seq_scan, seq_tup_read FROM pg_stat_user_tables")
        finally:
            await conn.close()
        return {r["relname"]: (int(r["seq_scan"] or 0), int(r["seq_tup_read"] or 0)) for r in rows}

    async def start(self) -> None:
        """Note the table counters, reset the statement counters (all databases': the benchmark owns the server) and
        start sampling row-lock waits."""
        self._scans = await self._table_scans()
        self._locks = LockSampler(self.dsn)
        await self._locks.start()
        admin = await self._connect_admin()
        self._statements = admin is not None
        if admin is not None:
            try:
                await admin.execute("SELECT pg_stat_statements_reset()")
            finally:
                await admin.close()

    async def stop(self, top: int = 5) -> Activity:
        """What happened since start(): tables seq-scanned, row-lock waits, and the `top` statements of this database."""
        locks = await self._locks.stop() if self._locks is not None else LockWaits()
        now = await self._table_scans()
        activity = Activity(statements_available=self._statements, locks=locks)
        for table, (scans, rows) in now.items():
            before_scans, before_rows = self._scans.get(table, (0, 0))
            if scans > before_scans:
                activity.seq_scans[table] = scans - before_scans
                activity.seq_rows[table] = rows - before_rows
        if self._statements:
            admin = await self._connect_admin()
            if admin is not None:
                try:
                    rows = await admin.fetch(
                        "SELECT calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') AS text"
                        " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                        " WHERE d.datname = $1 ORDER BY total_exec_time DESC LIMIT $2",
                        database_of(self.dsn), top)
                finally:
                    await admin.close()
                activity.statements = [Statement(int(r["calls"]), float(r["total_exec_time"]), int(r["rows"]), r["text"])
                                       for r in rows]
        return activity


def print_activity(rows: list[tuple[str, Activity | None, int]]) -> None:
    """Per run: the tables it seq-scanned (scans and rows read per unit) and its costliest statements."""
    print("\nPostgreSQL inside each measured window (per unit of the run: a transfer, a payment, a batch item)")
    hint = False
    for name, activity, units in rows:
        if activity is None or not units:
            continue
        scanned = ", ".join(f"{table} {n / units:.2f} scans/{activity.seq_rows.get(table, 0) / units:.0f} rows"
                            for table, n in sorted(activity.seq_scans.items(), key=lambda kv: -activity.seq_rows.get(kv[0], 0)))
        print(f"  {name}: seq scans: {scanned or 'none'}")
        if activity.locks.samples:
            print(f"    {activity.locks.summary()}")
        for s in activity.statements[:3]:
            print(f"      {s.total_ms / units * 1000:7.0f} us/unit  {s.calls / units:5.2f} calls/unit"
                  f"  {s.total_ms / max(1, s.calls) * 1000:7.0f} us/call  {s.text[:90]}")
        hint = hint or not activity.statements_available
    if hint:
        print(f"  ({STATEMENTS_HINT})")
