"""A deadlock PostgreSQL breaks is a retry, not a bug (services.db.availability): made for real between two
connections (tests/unit/test_db_availability.py checks it as Tortoise wraps it)."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from api.db import asyncpg_dsn
from services.db.availability import is_unavailable

async def _deadlock(dsn: str, table: str) -> BaseException:
    """Two transactions that each lock one row and then want the other's: the error of the one PostgreSQL rolls back."""
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        await first.execute("SET deadlock_timeout = '50ms'")
        await second.execute("SET deadlock_timeout = '50ms'")
        one, two = first.transaction(), second.transaction()
        await one.start()
        await two.start()
        await first.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 1")
        await second.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 2")
        results = await asyncio.gather(first.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 2"),
                                       second.execute(f"UPDATE {table} SET n = n + 1 WHERE id = 1"),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1, results  # PostgreSQL rolls back exactly one of the two
        survivor, loser = (one, two) if isinstance(results[1], BaseException) else (two, one)
        await survivor.commit()  # its two updates stand
        await loser.rollback()  # already rolled back by PostgreSQL: this ends the client's transaction block
        return errors[0]
    finally:
        await first.close()
        await second.close()

async def test_a_real_deadlock_is_a_retry(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("row-lock deadlocks need PostgreSQL")
    dsn = asyncpg_dsn(database_url)
    table = f"qb_deadlock_probe_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, n int NOT NULL)")
        await admin.execute(f"INSERT INTO {table} VALUES (1, 0), (2, 0)")
        error = await _deadlock(dsn, table)
        assert isinstance(error, asyncpg.exceptions.DeadlockDetectedError)
        assert is_unavailable(error)  # UNAVAILABLE with Retry-After: the transaction was rolled back whole
        assert await admin.fetchval(f"SELECT SUM(n) FROM {table}") == 2  # the survivor's two updates, nothing else
    finally:
        await admin.execute(f"DROP TABLE IF EXISTS {table}")
        await admin.close()
