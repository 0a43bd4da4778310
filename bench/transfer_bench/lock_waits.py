"""Row-lock waits inside a measured window: how many of the benchmark database's backends wait on a lock, and
whether the transaction they wait for is running a statement or idle between two (waiting for its client).

A posting statement that "takes" 60 ms may spend 59 of them waiting for a row another transaction holds (a hot
merchant's settlement account, a points programme's funding wallet). pg_stat_statements cannot tell the two apart;
pg_stat_activity can: a backend waiting on a heavyweight lock reports wait_event_type 'Lock', and
pg_blocking_pids() names who holds it. When the holder is 'idle in transaction', the lock is held across a round
trip to the client (the application's next statement or COMMIT has not arrived yet), so the client's own CPU
queue lengthens every lock hold. Sampled from database `postgres` (pg_stat_activity is cluster-wide), so the
sampler's own backend is not counted among the benchmark database's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from .database import database_of, with_database

INTERVAL_S = 0.05
_SAMPLE = (
    "SELECT count(*) FILTER (WHERE a.state = 'active') AS active,"
    " count(*) FILTER (WHERE a.wait_event_type = 'Lock') AS waiting,"
    " count(*) FILTER (WHERE a.wait_event_type = 'Lock' AND EXISTS (SELECT 1 FROM pg_stat_activity b"
    "  WHERE b.pid = ANY(pg_blocking_pids(a.pid)) AND b.state = 'idle in transaction')) AS behind_idle"
    " FROM pg_stat_activity a WHERE a.datname = $1 AND a.backend_type = 'client backend'"
)


@dataclass
class LockWaits:
    """Sums over the samples: backends running a statement, waiting on a lock, and waiting behind an idle holder."""
    samples: int = 0
    active: int = 0
    waiting: int = 0
    behind_idle: int = 0

    def add(self, other: LockWaits) -> None:
        """Pool another window's samples into this one."""
        self.samples += other.samples
        self.active += other.active
        self.waiting += other.waiting
        self.behind_idle += other.behind_idle

    def summary(self) -> str:
        """One line: the averages per sample."""
        if not self.samples:
            return "row locks: not sampled"
        n = self.samples
        return (f"row locks: {self.waiting / n:.2f} backends waiting on average, of {self.active / n:.2f} running a"
                f" statement; {self.behind_idle / n:.2f} of them behind a transaction idle between its statements"
                f" ({n} samples)")


class LockSampler:
    """Samples the database's backends every INTERVAL_S between start() and stop()."""

    def __init__(self, dsn: str) -> None:
        self.database = database_of(dsn)
        self.admin_dsn = with_database(dsn, "postgres")
        self.totals = LockWaits()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Begin sampling (in the background, on a connection of its own)."""
        conn = await asyncpg.connect(self.admin_dsn)
        self._task = asyncio.create_task(self._run(conn))

    async def _run(self, conn: asyncpg.Connection) -> None:
        try:
            while not self._stopping.is_set():
                row = await conn.fetchrow(_SAMPLE, self.database)
                self.totals.samples += 1
                self.totals.active += int(row["active"])
                self.totals.waiting += int(row["waiting"])
                self.totals.behind_idle += int(row["behind_idle"])
                try:
                    await asyncio.wait_for(self._stopping.wait(), INTERVAL_S)
                except asyncio.TimeoutError:
                    pass
        finally:
            await conn.close()

    async def stop(self) -> LockWaits:
        """Stop sampling: the sums."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        return self.totals
