"""What every `qianbao` command needs: the --database-url flag, opening and closing the database, refusals."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable

from tortoise.exceptions import DBConnectionError, OperationalError

from api.db import DatabaseUnavailable, apply_migrations, check_reachable, close_orm, init_orm

# Exit codes: 0 done; 1 the work ran and found a problem (printed); 2 refused (bad input, a rule, no database);
# 4 could not finish: the database failed while the work ran (locked, connection lost), so nothing was concluded.
# A check (`ledger verify`, `audit verify`) exits 1 only for a break it found, never for a database it lost.
EXIT_REFUSED = 2
EXIT_COULD_NOT_FINISH = 4  # 3 is `settlement report`'s "does not tie out"
_DATABASE_FAILURES: tuple[type[BaseException], ...] = (
    OperationalError, DBConnectionError, sqlite3.OperationalError, OSError, asyncio.TimeoutError,
)
try:
    import asyncpg

    _DATABASE_FAILURES += (asyncpg.PostgresError, asyncpg.InterfaceError)
except ImportError:  # pragma: no cover - asyncpg is a dependency
    pass


def fail(message: str, code: int = EXIT_REFUSED) -> int:
    """Print one `qianbao: ...` line on standard error and return the exit code."""
    print(f"qianbao: {message}", file=sys.stderr)
    return code


def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the --database-url flag every command that opens the database takes."""
    parser.add_argument("--database-url", default=None, help="overrides QIANBAO_DATABASE_URL (default: sqlite://qianbao.sqlite3)")
    return parser


async def prepare_database(database_url: str, *, migrate: bool = True) -> None:
    """Reach the database (or explain why not) and apply pending migrations."""
    await check_reachable(database_url)
    if migrate:
        await apply_migrations(database_url)


def run_with_db(database_url: str, work: Callable[[], Awaitable[int]],
                session_settings: dict[str, str] | None = None) -> int:
    """Migrate, open the ORM, run the work and close the ORM; an unreachable database is a refusal."""
    async def main() -> int:
        try:
            await prepare_database(database_url)
            await init_orm(database_url, session_settings)
            try:
                return await work()
            finally:
                await close_orm()
        except _DATABASE_FAILURES:
            # Close what the failed step left open: SQLite's connection thread would keep the process alive.
            await _close_quietly()
            raise

    try:
        return asyncio.run(main())
    except DatabaseUnavailable as exc:
        return fail(unreachable(database_url, exc))
    except _DATABASE_FAILURES as exc:
        return fail(f"could not finish: the database failed while the command ran ({type(exc).__name__}: {exc});"
                    " nothing was concluded, run it again", EXIT_COULD_NOT_FINISH)


async def _close_quietly() -> None:
    """Close every ORM connection, ignoring a failure to close (the command has already failed)."""
    from tortoise import Tortoise

    try:
        await Tortoise.close_connections()
    except Exception:  # noqa: BLE001 - the error being reported is the one that matters
        pass


def unreachable(database_url: str, exc: DatabaseUnavailable) -> str:
    """The refusal message for a database that does not answer (its password redacted)."""
    return f"cannot reach the database at {redact(database_url)}: {exc}"


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url
