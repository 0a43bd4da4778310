"""A separate, empty database on the session's backend, for subprocesses (migrations, CLI) to work on.

Never touched through Tortoise in the pytest process: the tests read and write
it with sqlite3 or a plain asyncpg connection, so the session's ORM context
stays the only one here.
"""

from __future__ import annotations

import asyncio
import atexit
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

from tests.conftest import BASE_URL, backend


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _new_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


@asynccontextmanager
async def separate_database(directory: Path) -> AsyncIterator[str]:
    """The URL of a new empty database (a SQLite file in `directory`, or a new PostgreSQL database, dropped after)."""
    if backend() == "sqlite":
        yield f"sqlite://{directory / 'separate.sqlite3'}"
        return
    name = _new_name("qianbao_separate")
    await _create_postgres_database(name)
    try:
        yield _postgres_url(name)
    finally:
        await _drop_postgres_database(name)


@asynccontextmanager
async def migrated_database(directory: Path) -> AsyncIterator[str]:
    """The URL of a new database with every migration applied, as `qianbao migrate` leaves it (dropped after).

    Copied from one template that `qianbao migrate` built once per pytest session: migrating a new database costs
    about 9 s on SQLite and 13 s on PostgreSQL, a copy well under a second. tests/integration/test_migrations.py
    and test_cli's own `migrate` test still migrate empty databases themselves.
    """
    template = await _migrated_template()
    if backend() == "sqlite":
        target = directory / "separate.sqlite3"
        source, copy = sqlite3.connect(template), sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent copy of the file, whatever its journal mode
        finally:
            source.close()
            copy.close()
        yield f"sqlite://{target}"
        return
    name = _new_name("qianbao_separate")
    await _create_postgres_database(name, template=template)
    try:
        yield _postgres_url(name)
    finally:
        await _drop_postgres_database(name)


_TEMPLATE: dict[str, str] = {}  # backend -> the session's migrated template (a SQLite path or a PostgreSQL name)


async def _migrated_template() -> str:
    """The session's migrated template, built by `qianbao migrate` on first use and removed when pytest exits."""
    if backend() in _TEMPLATE:
        return _TEMPLATE[backend()]
    from tests.live_server import cli  # imported here: live_server is for the tests that start processes

    workdir = Path(tempfile.mkdtemp(prefix="qianbao-template-"))
    atexit.register(shutil.rmtree, workdir, True)
    if backend() == "sqlite":
        path = workdir / "template.sqlite3"
        cli("migrate", "--database-url", f"sqlite://{path}", cwd=workdir)
        _TEMPLATE["sqlite"] = str(path)
        return str(path)
    name = _new_name("qianbao_template")
    await _create_postgres_database(name)
    atexit.register(lambda: asyncio.run(_drop_postgres_database(name)))
    cli("migrate", "--database-url", _postgres_url(name), cwd=workdir)
    _TEMPLATE["postgres"] = name
    return name


def _postgres_url(name: str) -> str:
    head, _, _ = BASE_URL.rpartition("/")
    return f"{head}/{name}"


async def _create_postgres_database(name: str, *, template: str | None = None) -> None:
    """CREATE DATABASE, from `template` if given (retried while the template's last session is still closing)."""
    statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    admin = await asyncpg.connect(_asyncpg_dsn(BASE_URL))
    try:
        for attempt in range(50):
            try:
                await admin.execute(statement)
                return
            except asyncpg.ObjectInUseError:  # "source database is being accessed by other users"
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def _drop_postgres_database(name: str) -> None:
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
