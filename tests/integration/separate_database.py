"""A separate, empty database on the session's backend, for subprocesses (migrations, CLI) to work on.

Never touched through Tortoise in the pytest process: the tests read and write
it with sqlite3 or a plain asyncpg connection, so the session's ORM context
stays the only one here.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from tests.conftest import BASE_URL, backend


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@asynccontextmanager
async def separate_database(directory: Path) -> AsyncIterator[str]:
    """The URL of a new empty database (a SQLite file in `directory`, or a new PostgreSQL database, dropped after)."""
    if backend() == "sqlite":
        yield f"sqlite://{directory / 'separate.sqlite3'}"
        return
    name = f"qianbao_separate_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(_asyncpg_dsn(BASE_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    head, _, _ = BASE_URL.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(BASE_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def query(url: str, sql: str, *args: Any) -> list[tuple]:
    """Run one statement on the separate database and return its rows (sql uses `?` for SQLite, `$n` for PostgreSQL)."""
    if url.startswith("sqlite://"):
        lite = sqlite3.connect(url[len("sqlite://"):])
        try:
            rows = [tuple(row) for row in lite.execute(sql, args).fetchall()]
            lite.commit()
            return rows
        finally:
            lite.close()
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        return [tuple(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def table_names(url: str) -> set[str]:
    """The names of the tables in the separate database."""
    if url.startswith("sqlite://"):
        rows = await query(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = await query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    return {row[0] for row in rows}
