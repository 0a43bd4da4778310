"""services.db.availability: an outage is told from a bug, through Tortoise's wrapping too."""

from __future__ import annotations

import asyncio
import errno
import sqlite3

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError, OperationalError

from services.db.availability import is_unavailable


def _wrapped(inner: BaseException) -> OperationalError:
    """As Tortoise raises it: its OperationalError from the driver's."""
    try:
        raise OperationalError(inner) from inner
    except OperationalError as outer:
        return outer


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(errno.ECONNREFUSED, "refused"), ConnectionResetError(), asyncio.TimeoutError(),
    OSError(errno.EHOSTUNREACH, "no route"), asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
    asyncpg.exceptions.TooManyConnectionsError("too many"), asyncpg.exceptions.QueryCanceledError("statement timeout"),
    asyncpg.exceptions.LockNotAvailableError("lock timeout"), asyncpg.exceptions.AdminShutdownError("shutdown"),
    sqlite3.OperationalError("database is locked"), _wrapped(ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
    _wrapped(asyncpg.exceptions.QueryCanceledError("statement timeout")),
    asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    asyncpg.exceptions.DeadlockDetectedError("deadlock detected"), _wrapped(asyncpg.exceptions.SerializationError("x")),
])
def test_an_outage_is_unavailable(error):
    assert is_unavailable(error)


@pytest.mark.parametrize("error", [
    None, ValueError("bug"), KeyError("x"), IntegrityError("duplicate key"),
    asyncpg.exceptions.UndefinedColumnError("no such column"), sqlite3.OperationalError("no such table: x"),
    _wrapped(asyncpg.exceptions.PostgresSyntaxError("syntax")), OSError("no errno: not a socket error"),
    asyncpg.exceptions.InternalClientError("unexpected codec state"),
    asyncpg.exceptions.TransactionIntegrityConstraintViolationError("40002: a constraint, not a retry"),
])
def test_a_bug_is_not(error):
    assert not is_unavailable(error)


def test_a_background_job_logs_an_outage_in_one_line_and_a_bug_with_its_traceback(caplog):
    import logging

    from services.db.availability import log_job_failure

    log = logging.getLogger("qianbao.test.jobs")
    with caplog.at_level(logging.INFO, logger="qianbao.test.jobs"):
        log_job_failure(log, "audit chaining", asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
        try:
            raise KeyError("a bug")
        except KeyError as bug:
            log_job_failure(log, "audit chaining", bug)
    outage, failure = caplog.records
    assert outage.levelname == "WARNING" and outage.exc_info is None
    assert outage.getMessage() == "audit chaining: database unavailable (ConnectionDoesNotExistError); retrying"
    assert failure.levelname == "ERROR" and failure.exc_info is not None
