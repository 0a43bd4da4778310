"""Whether an exception means the database is away (retry later) rather than a bug: one classification for all.

An unreachable or restarting server, a connection dropped mid-request, a pool
or server out of connections, a lock or statement timeout, a deadlock or
serialization failure PostgreSQL rolled back, a locked SQLite
file: the request changed nothing it did not commit and a retry with the same
idempotency key is safe, so callers answer UNAVAILABLE (HTTP 503 with
Retry-After), log one line, and never a traceback. Anything else (a bad SQL
statement, a constraint) stays a bug.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import asyncpg

RETRY_AFTER_S = 1

# asyncpg's own: the connection is gone or cannot be had, or the server cancelled the statement on a timeout.
_ASYNCPG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08: connection failures
    asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError, asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.QueryCanceledError,  # statement_timeout (57014)
    asyncpg.exceptions.LockNotAvailableError,  # lock_timeout (55P03)
    asyncpg.exceptions.InterfaceError,  # the connection was closed under the query
    # SQLSTATE class 40, transaction rollback: PostgreSQL broke a deadlock (40P01) or a serialization conflict
    # (40001) by rolling this transaction back whole. Nothing of it committed, and PostgreSQL's documentation says
    # to retry it; the same idempotency key makes the retry safe. Where two money paths could meet in opposite
    # orders in a rare race the order is fixed (services.payments.held_outcomes.lock_before_decision); any such
    # race left, the caller that lost gets UNAVAILABLE and a Retry-After, not INTERNAL.
    asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError,
)
# A backend terminated in the middle of an operation can leave asyncpg's connection unable to start the next one
# ("cannot switch to state 12; another operation (2) is in progress": found by the state machine's
# pg_terminate_backend fault, answered INTERNAL). Only that message: other InternalClientErrors stay bugs.
_ASYNCPG_BROKEN_CONNECTION = "another operation"
_SQLITE_AWAY = ("database is locked", "database table is locked", "unable to open database", "disk i/o error")


def _one_is_unavailable(error: BaseException) -> bool:
    if isinstance(error, _ASYNCPG_UNAVAILABLE):
        return True
    if isinstance(error, asyncpg.exceptions.InternalClientError) and _ASYNCPG_BROKEN_CONNECTION in str(error):
        return True
    if isinstance(error, (ConnectionError, TimeoutError, asyncio.TimeoutError)):
        return True
    if isinstance(error, OSError) and error.errno is not None:
        return True  # a socket error: refused, reset, unreachable host
    if isinstance(error, sqlite3.OperationalError):
        return any(text in str(error).lower() for text in _SQLITE_AWAY)
    return False


def is_unavailable(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from (Tortoise wraps the driver's), means the database is away."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _one_is_unavailable(error):
            return True
        nested = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
        error = error.__cause__ or nested or error.__context__
    return False


def log_job_failure(log: logging.Logger, job: str, error: BaseException) -> None:
    """A background job's failed round: one warning line when the database was away, the traceback for a bug."""
    if is_unavailable(error):
        # Expected while the database restarts or drops connections; the job retries on its next round.
        log.warning("%s: database unavailable (%s); retrying", job, type(error).__name__)
    else:
        log.error("%s failed; retrying", job, exc_info=error)
