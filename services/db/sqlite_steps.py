"""SQLite: several statements of one open transaction run in one hand-off to the connection's thread.

aiosqlite runs every statement in its own thread and wakes the event loop for
each result. On SQLite a posting's transaction holds the one connection (Tortoise
serialises every other query behind it), and each wake-up waits its turn behind
whatever other requests the loop is running: a posting of a dozen statements
held the database for a dozen loop iterations. Steps run back to back in the
thread, so the transaction holds the database only for the time its statements
take. The statements and errors are exactly Tortoise's: the same SQL, the same
values (model rows through Tortoise's own field conversions), sqlite3's errors
turned into Tortoise's IntegrityError and OperationalError.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from tortoise import Model
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError

from services.db.sql import adapt


@dataclass
class Step:
    """One statement: its `?` SQL and values; `changes` (after the run) is how many rows it changed, `rows` its rows."""

    sql: str
    values: list[Any]
    changes: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def step(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> Step:
    """A step from SQL written with `$n` placeholders (services.db.sql.adapt)."""
    query, params = adapt(conn, sql, values)
    return Step(query, params)


def model_insert(conn: BaseDBAsyncClient, model: type[Model], **values: Any) -> tuple[Model, Step]:
    """The model instance and the INSERT Tortoise's `create` would send for it (same SQL, same converted values;
    auto_now_add fields are set on the instance as Tortoise sets them). The database's generated key is not read
    back: no caller of a step needs the row's own id."""
    instance = model(**values)
    executor = conn.executor_class(model=model, db=conn)
    if instance._custom_generated_pk:
        columns, sql = executor.regular_columns_all, executor.insert_query_all
    else:
        columns, sql = executor.regular_columns, executor.insert_query
    fields_map = model._meta.fields_map
    converted = [fields_map[name].to_db_value(getattr(instance, name), instance) for name in columns]
    return instance, Step(sql, converted)


def _run(db: sqlite3.Connection, steps: list[Step]) -> None:
    """In the connection's thread: each step in order; its changed-row count and rows kept on it."""
    for s in steps:
        start = db.total_changes
        s.rows = [dict(row) for row in db.execute(s.sql, s.values).fetchall()]
        s.changes = db.total_changes - start


async def run_steps(conn: BaseDBAsyncClient, steps: list[Step]) -> list[Step]:
    """Run the steps inside the connection's open transaction in one hand-off; the first failing step stops the rest
    and raises as Tortoise would (the caller's transaction then rolls back, as after any failed statement)."""
    if not steps:
        return steps
    # The aiosqlite connection under Tortoise's transaction wrapper. `_execute` queues a function for the
    # connection's own thread, exactly as aiosqlite's own execute does (aiosqlite is pinned in requirements.lock).
    connection = conn._connection  # type: ignore[attr-defined]
    try:
        await connection._execute(_run, connection._conn, steps)
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(exc) from exc
    except sqlite3.OperationalError as exc:
        raise OperationalError(exc) from exc
    return steps
