"""PostgreSQL URLs for asyncpg and for the benchmark database, and checkpoints between runs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg


def asyncpg_dsn(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def with_database(url: str, name: str, *, port: int | None = None, host: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None or host is not None:
        creds, _, hostport = netloc.rpartition("@")
        old_host, _, old_port = hostport.partition(":")
        hostport = f"{host or old_host}:{port or old_port or 5432}"
        netloc = f"{creds}@{hostport}" if creds else hostport
    return urlunsplit((parts.scheme, netloc, "/" + name, parts.query, parts.fragment))


def database_of(url: str) -> str:
    """The database a URL names (its path without the leading slash)."""
    return urlsplit(url).path.lstrip("/")


async def checkpoint(dsn: str, *, vacuum: bool = False) -> None:
    """Flush dirty pages now, so that no run pays for the previous one's checkpoint."""
    conn = await asyncpg.connect(dsn)
    try:
        if vacuum:
            await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def drop_database(admin_dsn: str, db_name: str) -> None:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    finally:
        await admin.close()
