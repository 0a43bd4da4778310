"""Counting the SQL statements a piece of code sends, on SQLite and PostgreSQL alike.

Statements are counted where Tortoise logs each one it sends: every execute_*
method of the SQLite and asyncpg clients logs the SQL at DEBUG on the
"tortoise.db_client" logger before running it.

    with count_queries() as log:
        await partner.ok(QUERY)
    assert len(log.statements) == 5, log.listing()
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class QueryLog(logging.Handler):
    """The statements logged while it is attached, in order."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(("Created connection", "Closed connection")):
            return
        # Not part of what a query costs: the signing-key reload (every 10 s,
        # whichever request it lands in) and the token's liveness check (per
        # request, and sometimes remembered for a moment).
        if '"signing_key"' in message or "revoked_token" in message:
            return
        self.statements.append(message)

    def listing(self) -> str:
        """The statements one a line, for an assertion message."""
        return "\n".join(self.statements)


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Collect the SQL statements sent inside the block (the logger is restored afterwards)."""
    logger = logging.getLogger("tortoise.db_client")
    handler = QueryLog()
    level, disabled = logger.level, logger.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.disabled = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled
