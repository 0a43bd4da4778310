"""Portable raw SQL for the posting hot path (PostgreSQL `$n` -> SQLite `?`)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

_PLACEHOLDER = re.compile(r"\$(\d+)")


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    """Whether the connection talks to PostgreSQL (else SQLite)."""
    return conn.capabilities.dialect == "postgres"


def adapt(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> tuple[str, list[Any]]:
    """Rewrite `$n` placeholders and values for the connection's dialect."""
    if is_postgres(conn):
        return sql, values
    order = [int(n) - 1 for n in _PLACEHOLDER.findall(sql)]
    plain = [str(v) if isinstance(v, uuid.UUID) else v for v in values]
    return _PLACEHOLDER.sub("?", sql), [plain[i] for i in order]


async def fetch(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """Run a query written with `$n` placeholders and return its rows as dicts."""
    query, params = adapt(conn, sql, values)
    return await conn.execute_query_dict(query, params)


async def execute(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> int:
    """Run a statement written with `$n` placeholders; return the affected row count."""
    query, params = adapt(conn, sql, values)
    affected, _ = await conn.execute_query(query, params)
    return affected


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID from a driver value (asyncpg gives UUIDs, SQLite strings)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def as_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from a driver value (asyncpg gives datetimes, SQLite ISO strings), or None."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
