"""Shared fixtures: one fresh, migrated database per test session, and the ASGI app.

The backend is chosen by QIANBAO_TEST_DATABASE_URL:
  unset / sqlite://...  -> a new SQLite file in a temporary directory (default)
  postgres://...        -> a new database `qianbao_test_<random>` created on that
                           server for this run and dropped afterwards
One backend per pytest process (see STACK.md: mixing them breaks Tortoise's SQL cache).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator

os.environ.setdefault("QIANBAO_ARGON2_PROFILE", "cheapest")  # argon2 at full cost is ~200 ms a hash
os.environ.setdefault("QIANBAO_ENV", "test")
# A fixed PII master key (base64 of 32 bytes): never a key file in the working directory.
os.environ.setdefault("QIANBAO_MASTER_KEY", "cWlhbmJhby10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZSE=")
# 32 concurrent posting clients plus readers must really run at once on PostgreSQL.
os.environ.setdefault("QIANBAO_DB_POOL_SIZE", "40")

import httpx
import pytest
import pytest_asyncio

from api.app import create_app
from api.db import apply_migrations, close_orm, init_orm, serving_session_settings
from api.settings import load_settings
from services.caches import clear_all_caches
from tests.factories import ApiClientFactory

BASE_URL = os.environ.get("QIANBAO_TEST_DATABASE_URL", "").strip() or "sqlite://"


def backend() -> str:
    """'postgres' or 'sqlite': the backend this test run uses."""
    return "postgres" if BASE_URL.startswith(("postgres", "postgresql")) else "sqlite"


requires_postgres = pytest.mark.skipif(
    backend() != "postgres",
    reason="needs real row locks: run with QIANBAO_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
)


def _admin_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


async def create_test_database() -> tuple[str, str | None]:
    """A fresh database URL for this session (and the PostgreSQL database name to drop)."""
    if backend() == "sqlite":
        directory = tempfile.mkdtemp(prefix="qianbao-test-")
        return f"sqlite://{directory}/test.sqlite3", None
    import asyncpg

    name = f"qianbao_test_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(_admin_dsn(BASE_URL))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(BASE_URL, name), name


async def drop_test_database(name: str | None) -> None:
    """Drop the session's PostgreSQL database (SQLite files go with their temp dir)."""
    if name is None:
        return
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn(BASE_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    url, name = await create_test_database()
    await apply_migrations(url)
    clear_all_caches()
    # The serving processes' PostgreSQL session limits (lock_timeout, statement_timeout), as the app sets them.
    await init_orm(url, serving_session_settings(load_settings(database_url=url, env="test")))
    try:
        yield url
    finally:
        await close_orm()
        await drop_test_database(name)


@pytest_asyncio.fixture(scope="session")
async def app(database_url: str):
    # No background audit chainer: its SQL would land in the query counts of other
    # tests; the audit tests chain explicitly.
    application = create_app(load_settings(database_url=database_url, env="test"), manage_orm=False, chain_audit=False)
    # httpx.ASGITransport does not run the lifespan: enter it here.
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="session")
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest_asyncio.fixture
async def clients(http: httpx.AsyncClient) -> ApiClientFactory:
    """Makes partners with credentials and GraphQL clients bound to their tokens."""
    return ApiClientFactory(http)


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's TerminalReporter
    """One line at the end of the run: which posting backend the tests exercised, and how many postings it wrote.

    CI checks it, so that a PostgreSQL run that silently fell back to SQLite
    (or posted nothing) fails instead of passing on the wrong database.
    """
    from services.ledger.engine import postings_by_backend

    if postings_by_backend:
        used = ", ".join(f"{name} ({count} postings)" for name, count in sorted(postings_by_backend.items()))
    else:
        used = f"none (0 postings; this run was set up for {backend()})"
    terminalreporter.write_line(f"posting backend exercised: {used}")
