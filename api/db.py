"""Database wiring: the Tortoise config, start-up checks and migrations."""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from api.settings import DEFAULT_DATABASE_URL, Settings

APP_LABEL = "models"


def tortoise_config(database_url: str, session_settings: dict[str, str] | None = None) -> dict[str, Any]:
    """The Tortoise ORM config for one database URL (PostgreSQL: with these session settings on every connection)."""
    return {
        "connections": {"default": _connection_config(_with_pool_size(_normalise_url(database_url)), session_settings)},
        "apps": {
            APP_LABEL: {
                "models": ["models"],
                "migrations": "models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _normalise_url(database_url: str) -> str:
    # Tortoise names the asyncpg backend "asyncpg://"; accept the usual spellings.
    for prefix in ("postgresql://", "postgresql+asyncpg://"):
        if database_url.startswith(prefix):
            return "postgres://" + database_url[len(prefix):]
    return database_url


async def _no_reset(connection: object) -> None:
    """Skip asyncpg's reset query on every pool release (one round trip per request).

    asyncpg still rolls back any open transaction first. Nothing here keeps
    session state: no LISTEN, no session advisory locks (the audit chainer's
    lock is transaction-scoped), no SET outside a transaction.
    """


def _connection_config(url: str, session_settings: dict[str, str] | None = None) -> str | dict[str, Any]:
    """A URL for SQLite; for PostgreSQL the expanded config, to pass the pool a callable and session settings."""
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = _no_reset
    if session_settings:
        config["credentials"]["server_settings"] = {**config["credentials"].get("server_settings", {}), **session_settings}
    return config


def serving_session_settings(settings: Settings) -> dict[str, str]:
    """The PostgreSQL session limits of a serving process (API and webhook worker), in milliseconds.

    lock_timeout: a posting that finds a wallet's row locked (a long transaction, a stuck session, a table lock)
    gives up after it instead of queueing every request behind it until the request deadline; the client gets
    503 UNAVAILABLE and retries with the same idempotency key. statement_timeout: the server stops a statement
    the request deadline abandoned, and a runaway background statement. The CLI (migrate, ledger verify, reports
    rollup) runs without either: its statements may rightly take longer.

    random_page_cost: the planner's price of reading one page out of order, PostgreSQL's default 4 (a spinning disk)
    lowered to what an SSD or a cached table costs (SERVING_RANDOM_PAGE_COST).
    """
    return {"lock_timeout": str(settings.db_lock_timeout_ms), "statement_timeout": str(settings.db_statement_timeout_ms),
            "random_page_cost": SERVING_RANDOM_PAGE_COST}


# Why: the posting statement is prepared once per connection and soon planned generically, for two account ids it
# does not know. At the default cost, seq scans of account, wallet and limit_usage looked cheaper than two index
# probes while those tables hold a few hundred rows (a new partner, a pilot, the benchmark's 50 wallets), and every
# posting then read them whole (bench/README.md, "Seq scans on small tables"). At 1.1 the probes win at any size.
SERVING_RANDOM_PAGE_COST = "1.1"


DEFAULT_POOL_SIZE = 20


def _with_pool_size(url: str) -> str:
    """PostgreSQL URLs get QIANBAO_DB_POOL_SIZE connections (default 20) unless they set maxsize.

    Tortoise's own default is 5, which would queue concurrent postings behind
    five connections. Keep workers x pool size under max_connections.
    """
    if not url.startswith("postgres://") or "maxsize=" in urlsplit(url).query:
        return url
    raw = os.environ.get("QIANBAO_DB_POOL_SIZE", "").strip()
    if raw and not (raw.isdigit() and 1 <= int(raw) <= 500):
        raise SystemExit(f"QIANBAO_DB_POOL_SIZE must be a whole number from 1 to 500, got {raw!r}")
    size = int(raw) if raw else DEFAULT_POOL_SIZE
    return f"{url}{'&' if '?' in url else '?'}maxsize={size}"


# Used by the `tortoise` CLI (makemigrations, sqlmigrate) through pyproject.toml.
TORTOISE_ORM = tortoise_config(os.environ.get("QIANBAO_DATABASE_URL") or DEFAULT_DATABASE_URL)


# URL options that Tortoise consumes itself (pool size, schema); asyncpg would
# take them for server settings and refuse to connect.
_TORTOISE_ONLY_OPTIONS = {"minsize", "maxsize", "max_queries", "max_inactive_connection_lifetime", "schema"}


def asyncpg_dsn(database_url: str) -> str:
    """A plain asyncpg DSN for a configured PostgreSQL URL (for connections outside the pool)."""
    return _asyncpg_dsn(_normalise_url(database_url))


def _asyncpg_dsn(url: str) -> str:
    """A postgres:// URL as a plain asyncpg DSN, without the options only Tortoise understands."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _TORTOISE_ONLY_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(query)))


class DatabaseUnavailable(RuntimeError):
    """The configured database could not be reached or opened."""


async def check_reachable(database_url: str, timeout_s: float = 5.0) -> None:
    """Open one connection and run SELECT 1, or raise DatabaseUnavailable with a readable reason."""
    url = _normalise_url(database_url)
    try:
        if url.startswith("postgres"):
            import asyncpg

            conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_dsn(url)), timeout_s)
            try:
                await conn.execute("SELECT 1")
            finally:
                await conn.close()
        elif url.startswith("sqlite://"):
            path = url[len("sqlite://"):]
            if path != ":memory:":
                directory = os.path.dirname(os.path.abspath(path))
                if not os.path.isdir(directory):
                    raise DatabaseUnavailable(f"directory {directory} does not exist")
        else:
            raise DatabaseUnavailable("unsupported database URL scheme (use sqlite:// or postgres://)")
    except DatabaseUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - every driver error becomes one readable message
        raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from None


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration, then close the connections it opened."""
    try:
        await tortoise_migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


async def init_orm(database_url: str, session_settings: dict[str, str] | None = None) -> None:
    """Initialise Tortoise for this process, visible from every task, and store the shipped policy packs if missing."""
    await Tortoise.init(config=tortoise_config(database_url, session_settings), _enable_global_fallback=True)
    from services.caches import wire_caches
    from services.change_feed import subscribe
    from services.compliance.shipped_packs import ensure_shipped_packs

    wire_caches(subscribe)  # announced changes empty the caches they cover, in this process and (NOTIFY) the others

    await ensure_shipped_packs()


async def close_orm() -> None:
    """Close every database connection of this process."""
    await Tortoise.close_connections()
