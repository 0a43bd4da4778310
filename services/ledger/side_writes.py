"""Rows a posting changes or writes besides the ledger, in the same atomic write: claims and inserts.

A money feature that needs more than balances and entries does not get its
own write path: it hands the posting engine

- `RowClaim`s: rows that must each satisfy a condition and are changed with
  the posting, or the posting is refused with the first failing claim's
  error (a single-use payment request is paid once; refunds never exceed
  the payment; an authorisation is captured only while active). On
  PostgreSQL the rows are locked before the wallet accounts, in one order
  (table, then id: `lock_order`), so claims cannot deadlock with each
  other, and each is re-checked on its latest version; on SQLite each is
  one guarded UPDATE in the posting's transaction.
- `RowInsert`s: rows written only when the posting passes (a payment's
  record, another partner's event), optionally only when it is not held.

Table and column names come from code, never from input; values are bound
parameters. SQL fragments use `$1..$n` for their own values.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import execute, fetch, is_postgres
from services.errors import DomainError
from services.event_catalogue import CATALOGUE, check_payload

_PLACEHOLDER = re.compile(r"\$(\d+)")


class _PostingTransactionId:
    """Stands for the posting's own transaction id in a RowInsert (it is drawn when the posting is checked)."""

    def __repr__(self) -> str:
        return "TRANSACTION_ID"


TRANSACTION_ID = _PostingTransactionId()
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class RowClaim:
    """A row the posting must find in a state and change with it, or refuse with `refusal()`."""

    table: str
    row_id: uuid.UUID
    condition: str  # SQL over the row's columns, `$n` = values[n-1]
    assignment: str  # the SET list, same numbering
    values: tuple[Any, ...]
    refusal: Callable[[], DomainError]

    def __post_init__(self) -> None:
        if not _NAME.match(self.table):
            raise ValueError(f"not a table name: {self.table!r}")


@dataclass(frozen=True)
class RowInsert:
    """A row written with the posting when it passes (and, with only_if_posted, only when it is not held)."""

    table: str
    columns: tuple[tuple[str, Any, str | None], ...]  # (column, value, PostgreSQL cast or None)
    only_if_posted: bool = False
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", _checked_names(self.table, tuple(c[0] for c in self.columns)))

    @property
    def shape(self) -> tuple[str, tuple[str, ...], tuple[str | None, ...], bool]:
        """What the insert's SQL text depends on (not its values): the key its text is cached under."""
        return self.table, self.names, tuple(c[2] for c in self.columns), self.only_if_posted


@functools.lru_cache(maxsize=256)
def _checked_names(table: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The column names, once checked to be plain SQL names with the table's (a few shapes exist: cached)."""
    if not all(_NAME.match(n) for n in (table, *names)):
        raise ValueError(f"not a table or column name in an insert into {table!r}")
    return names


def event_insert(
    *, type: str, partner_id: uuid.UUID | None, object_type: str, object_id: uuid.UUID | str, payload: dict[str, Any],
    at: datetime, only_if_posted: bool = True,
) -> RowInsert:
    """An outbox event written with the posting (services.events' rules: a catalogue type, documented fields)."""
    if type not in CATALOGUE or CATALOGUE[type].reserved or CATALOGUE[type].internal:
        raise ValueError(f"{type!r} is not a partner event a posting may write")
    check_payload(type, payload)
    # Every column carries its PostgreSQL type, so that consecutive events of one posting are written by one
    # multi-row insert (see insert_ctes: VALUES rows would otherwise type their parameters as text).
    return RowInsert(table="domain_event", only_if_posted=only_if_posted, columns=(
        ("partner_id", partner_id, "uuid"), ("type", type, "text"), ("object_type", object_type, "text"),
        ("object_id", str(object_id), "text"), ("payload", json.dumps(payload), "jsonb"),
        ("occurred_at", at, "timestamptz"),
        ("tx", 0, "bigint"),  # PostgreSQL's trigger sets the writing transaction's id; SQLite keeps 0 (outbox_position)
    ))


def renumber(fragment: str, values: tuple[Any, ...], param: Callable[[Any], str]) -> str:
    """The fragment with its `$n` turned into the enclosing statement's parameters."""
    names = {n: param(values[n - 1]) for n in sorted({int(m) for m in _PLACEHOLDER.findall(fragment)})}
    return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))], fragment)


def lock_order(claims: tuple[RowClaim, ...]) -> list[tuple[int, RowClaim]]:
    """The claims with their positions, in the one order every posting locks claimed rows in (table, then row id),
    so two postings claiming the same rows never deadlock; two claims of one row are a caller's bug."""
    ordered = sorted(enumerate(claims), key=lambda c: (c[1].table, type(c[1].row_id).__name__, str(c[1].row_id)))
    for (_, a), (_, b) in zip(ordered, ordered[1:]):
        if (a.table, a.row_id) == (b.table, b.row_id):
            raise ValueError(f"a posting claims {a.table} {a.row_id} twice")
    return ordered


def claim_ctes(claims: tuple[RowClaim, ...], param: Callable[[Any], str]) -> dict[str, str]:
    """PostgreSQL: the claims' locks (`claim_<n>`, read before the accounts are locked), checks and updates.

    Each claim's lock query names the one before it in lock_order, so PostgreSQL takes them in that order (a CTE
    runs when first read); the accounts' lock query names the last, so every claimed row is locked before any
    account. `claimed_<n>` (n: the claim's position in `claims`) says whether the n-th claim held.
    """
    if not claims:
        return {"cte": "", "first": "", "ok": "", "write": "", "col": ""}
    ctes, oks, writes, before = [], [], [], None
    for n, claim in lock_order(claims):
        row_id = param(claim.row_id)
        condition = renumber(claim.condition, claim.values, param)
        assignment = renumber(claim.assignment, claim.values, param)
        after = f" AND (SELECT COUNT(*) FROM claim_{before}) >= 0" if before is not None else ""
        ctes.append(f" claim_{n} AS (SELECT id FROM {claim.table} WHERE id = {row_id} AND ({condition}){after} FOR UPDATE),")
        oks.append(f" AND (SELECT COUNT(*) FROM claim_{n}) = 1")
        writes.append(f", claimed_row_{n} AS (UPDATE {claim.table} SET {assignment} WHERE id = {row_id}"
                      " AND (SELECT passes FROM ok))")
        before = n
    cols = [f", (SELECT COUNT(*) FROM claim_{n}) AS claimed_{n}" for n in range(len(claims))]
    return {
        "cte": "".join(ctes),
        "first": f" AND (SELECT COUNT(*) FROM claim_{before}) >= 0",
        "ok": "".join(oks),
        "write": "".join(writes),
        "col": "".join(cols),
    }


def first_refused(claims: tuple[RowClaim, ...], held: Callable[[int], bool]) -> RowClaim | None:
    """The first claim (in the order given) that did not hold, or None."""
    return next((c for n, c in enumerate(claims) if not held(n)), None)


def _bound(value: Any, transaction_id: uuid.UUID) -> Any:
    """A column value with TRANSACTION_ID replaced by the posting's transaction id."""
    return transaction_id if value is TRANSACTION_ID else value


def _batches(inserts: tuple[RowInsert, ...]) -> list[tuple[RowInsert, ...]]:
    """The inserts in their order, consecutive rows of one shape whose every column is typed taken together
    (one multi-row INSERT writes them, in the same order and so with the same ids, as one insert each would)."""
    batches: list[tuple[RowInsert, ...]] = []
    for row in inserts:
        last = batches[-1] if batches else None
        if last and last[0].shape == row.shape and all(c[2] for c in row.columns):
            batches[-1] = (*last, row)
        else:
            batches.append((row,))
    return batches


@functools.lru_cache(maxsize=256)
def _cte_template(n: int, shape: tuple[str, tuple[str, ...], tuple[str | None, ...], bool], rows: int) -> str:
    """PostgreSQL: the text of side_<n> for `rows` rows of one shape, `{}` standing for each value's parameter."""
    table, names, casts, only_if_posted = shape
    held = " AND NOT d.hold" if only_if_posted else ""
    row = ", ".join("{}" + (f"::{cast}" if cast else "") for cast in casts)
    if rows == 1:
        return f", side_{n} AS (INSERT INTO {table} ({', '.join(names)}) SELECT {row} FROM ok, decide d WHERE ok.passes{held})"
    # Several rows: typed VALUES, in the order one CTE each gave them. PostgreSQL runs a statement's data-modifying
    # CTEs that nothing reads last-listed first, so those rows took their ids (their outbox positions) from the
    # last to the first: ORDER BY side_row DESC keeps exactly that.
    listed = ", ".join(f"({row}, {i})" for i in range(rows))
    columns = ", ".join(f"v.{name}" for name in names)
    return (f", side_{n} AS (INSERT INTO {table} ({', '.join(names)}) SELECT {columns}"
            f" FROM (VALUES {listed}) AS v({', '.join(names)}, side_row), ok, decide d"
            f" WHERE ok.passes{held} ORDER BY v.side_row DESC)")


def insert_ctes(inserts: tuple[RowInsert, ...], param: Callable[[Any], str], transaction_id: uuid.UUID) -> str:
    """PostgreSQL: the inserts' CTEs (one per batch, see _batches), writing only when the posting passes (and is
    not held, if so marked). The text depends only on the inserts' shapes: built once per shape, then cached."""
    parts = []
    for n, batch in enumerate(_batches(inserts)):
        template = _cte_template(n, batch[0].shape, len(batch))
        parts.append(template.format(*(param(_bound(value, transaction_id)) for row in batch for _, value, _ in row.columns)))
    return "".join(parts)


def _sqlite_value(value: Any) -> Any:
    """A value as Tortoise stores it on SQLite (aware datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff+00:00')."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(" ")
    return value


def claim_sql_on_sqlite(claim: RowClaim) -> tuple[str, list[Any]]:
    """SQLite: a claim as one guarded UPDATE (it changes one row, or the claim is refused)."""
    n = len(claim.values)
    values = [_sqlite_value(v) for v in claim.values]
    return f"UPDATE {claim.table} SET {claim.assignment} WHERE id = ${n + 1} AND ({claim.condition})", [*values, claim.row_id]


def inserts_sql_on_sqlite(
    inserts: tuple[RowInsert, ...], *, held: bool, transaction_id: uuid.UUID,
) -> list[tuple[str, list[Any]]]:
    """SQLite: the posting's side inserts as statements, one per batch (see _batches)."""
    return [
        (_sqlite_insert(batch[0].table, batch[0].names, len(batch)),
         [_sqlite_value(_bound(value, transaction_id)) for row in batch for _, value, _ in row.columns])
        for batch in _batches(inserts) if not (batch[0].only_if_posted and held)
    ]


@functools.lru_cache(maxsize=256)
def _sqlite_insert(table: str, names: tuple[str, ...], rows: int) -> str:
    """SQLite: one INSERT of `rows` rows (rowids follow the listed order)."""
    width = len(names)
    listed = ", ".join("(" + ", ".join(f"${r * width + i + 1}" for i in range(width)) + ")" for r in range(rows))
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES {listed}"


async def claim_holds(conn: BaseDBAsyncClient, claim: RowClaim) -> bool:
    """Whether the claim's row satisfies its condition now (a dry run's check; nothing is locked or changed)."""
    pg = is_postgres(conn)
    values: list[Any] = []

    def param(value: Any) -> str:
        values.append(value if pg else _sqlite_value(value))
        return f"${len(values)}"

    # Only the condition's own values are bound: PostgreSQL cannot type a parameter nothing uses.
    condition = renumber(claim.condition, claim.values, param)
    rows = await fetch(conn, f"SELECT COUNT(*) AS c FROM {claim.table} WHERE id = {param(claim.row_id)} AND ({condition})",
                       values)
    return int(rows[0]["c"]) == 1
