"""Keyset pagination: opaque cursors over time-ordered primary keys, forward and backward.

A list is ordered by its rows' primary keys (UUIDv7, so by creation time,
oldest or newest first), which are unique: the order is total and stable,
and a page never skips or repeats a row however rows are added meanwhile.
A page is asked for Relay-style: `first` items after the cursor `after`, or
the `last` items before the cursor `before` (not both sizes at once).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Generic, TypeVar

from tortoise import connections
from tortoise.queryset import QuerySet

from services.db.sql import as_uuid, fetch
from services.errors import ValidationFailed

T = TypeVar("T")
U = TypeVar("U")
E = TypeVar("E", bound=Enum)

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# Cursor format, version 1: base64url (unpadded) of
#   version byte | row id XOR a fixed mask (16 bytes) | check (4 bytes, BLAKE2b of the first 17)
# Opaque to clients (no id in plain sight), versioned, and a damaged or hand-made cursor fails the check.
CURSOR_VERSION = 1
_CURSOR_BYTES = 1 + 16 + 4
_MAX_CURSOR_CHARS = 64
_CURSOR_MASK = hashlib.blake2b(b"qianbao cursor mask v1", digest_size=16).digest()


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True)
class PageWindow:
    """One validated page request: how many rows, which way, and the cursors (row ids) it lies between."""

    size: int
    backward: bool  # `last`: the page is the size rows just before `before` (or the end)
    after: uuid.UUID | None = None
    before: uuid.UUID | None = None


def map_page(page: Page[T], convert: Callable[[T], U]) -> Page[U]:
    """The same page with every item converted (rows to the records services hand out)."""
    return Page(items=[convert(item) for item in page.items], cursors=page.cursors,
                has_next_page=page.has_next_page, has_previous_page=page.has_previous_page)


def _cursor_check(head: bytes) -> bytes:
    return hashlib.blake2b(head, digest_size=4, person=b"qianbao.cursor").digest()


def encode_cursor(object_id: uuid.UUID) -> str:
    """An opaque cursor for a row's id."""
    head = bytes([CURSOR_VERSION]) + bytes(a ^ b for a, b in zip(object_id.bytes, _CURSOR_MASK))
    return base64.urlsafe_b64encode(head + _cursor_check(head)).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "after") -> uuid.UUID:
    """The row id a cursor stands for, or ValidationFailed naming the argument it came in."""
    invalid = ValidationFailed(
        f"{field} is not a valid cursor: pass a cursor this list returned (an edge's cursor, startCursor or endCursor)",
        field=[field],
    )
    if not isinstance(cursor, str) or not 0 < len(cursor) <= _MAX_CURSOR_CHARS:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(raw) != _CURSOR_BYTES or raw[0] != CURSOR_VERSION or raw[17:] != _cursor_check(raw[:17]):
        raise invalid
    return uuid.UUID(bytes=bytes(a ^ b for a, b in zip(raw[1:17], _CURSOR_MASK)))


def check_page_size(first: int | None, *, field: str = "first") -> int:
    """Validate a page size (`first` or `last`): between 1 and 100, defaulting to 20."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ValidationFailed(f"{field} must be between 1 and {MAX_PAGE_SIZE}", field=[field])
    return first


def page_window(*, first: int | None, after: str | None, last: int | None = None, before: str | None = None) -> PageWindow:
    """Validate Relay paging arguments: first/after pages forward, last/before backward; 20 forward by default."""
    if first is not None and last is not None:
        raise ValidationFailed(
            "first and last cannot be used together: page forward with first/after or backward with last/before",
            field=["last"],
        )
    size = check_page_size(last, field="last") if last is not None else check_page_size(first)
    return PageWindow(
        size=size,
        backward=last is not None,
        after=decode_cursor(after, field="after") if after is not None else None,
        before=decode_cursor(before, field="before") if before is not None else None,
    )


def check_time_range(
    start: datetime | None, end: datetime | None, *, start_field: str, end_field: str
) -> tuple[datetime | None, datetime | None]:
    """A list filter's half-open time range [start, end) in UTC (a time without offset is UTC); start before end."""
    start, end = (_utc(value) for value in (start, end))
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(f"{start_field} must be before {end_field}", field=[end_field])
    return start, end


def enum_filter(enum: type[E], value: E | str | None, *, field: str) -> E | None:
    """A list filter's enum value (a member or its name), or ValidationFailed listing the allowed ones."""
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be one of {', '.join(m.value for m in enum)}", field=[field]) from None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _bounds(window: PageWindow, newest_first: bool) -> list[tuple[str, uuid.UUID]]:
    """The id comparisons (operator, cursor id) that keep rows strictly between the window's cursors."""
    later, earlier = ("<", ">") if newest_first else (">", "<")
    bounds = []
    if window.after is not None:
        bounds.append((later, window.after))
    if window.before is not None:
        bounds.append((earlier, window.before))
    return bounds


def _scans_descending(window: PageWindow, newest_first: bool) -> bool:
    """Rows are read from the cursor outwards: the list's own order forward, the reverse backward."""
    return newest_first != window.backward


def assemble_page(ids: list[uuid.UUID], rows_by_id: dict[uuid.UUID, T], window: PageWindow) -> Page[T]:
    """One page from ids read in scan order (size+1 at most: the extra one says more follow) and the loaded rows.

    Items come in the list's own order either way. Relay's flags: paging forward, hasNextPage says more rows
    follow and hasPreviousPage that `after` was given; backward, hasPreviousPage says more rows precede and
    hasNextPage that `before` was given. An id whose row did not load (not readable) is left out.
    """
    more = len(ids) > window.size
    ids = ids[: window.size]
    if window.backward:
        ids = ids[::-1]
    shown = [i for i in ids if i in rows_by_id]
    return Page(
        items=[rows_by_id[i] for i in shown],
        cursors=[encode_cursor(i) for i in shown],
        has_next_page=window.before is not None if window.backward else more,
        has_previous_page=more if window.backward else window.after is not None,
    )


async def keyset_page(
    query: QuerySet[T],
    *,
    first: int | None,
    after: str | None,
    newest_first: bool = False,
    last: int | None = None,
    before: str | None = None,
    integer_ids: bool = False,
) -> Page[T]:
    """One page of a query ordered by id, fetching one extra row to know if more follow: one statement."""
    return await window_page(query, page_window(first=first, after=after, last=last, before=before),
                             newest_first=newest_first, integer_ids=integer_ids)


async def window_page(query: QuerySet[T], window: PageWindow, *, newest_first: bool = False, integer_ids: bool = False) -> Page[T]:
    """keyset_page for an already validated window.

    Rows keyed by an integer (audit events) get cursors like any other: the
    integer travels as the 128-bit value of a UUID, masked like the rest.
    """
    for operator, cursor_id in _bounds(window, newest_first):
        bound: Any = cursor_id.int if integer_ids else cursor_id
        query = query.filter(id__lt=bound) if operator == "<" else query.filter(id__gt=bound)
    rows = await query.order_by("-id" if _scans_descending(window, newest_first) else "id").limit(window.size + 1)
    keys = [uuid.UUID(int=row.id) if integer_ids else row.id for row in rows]  # type: ignore[attr-defined]
    return assemble_page(keys, dict(zip(keys, rows)), window)


async def grouped_page_ids(
    *, candidates: str, values: list[Any], window: PageWindow, newest_first: bool
) -> dict[Any, list[uuid.UUID]]:
    """For many groups at once, the ids of each group's page in scan order (plus one extra): one statement.

    `candidates` is SQL selecting the columns `grp` and `oid` (a row id) with `$n` placeholders for
    `values`; it must already be narrowed to what the principal may read. A window function ranks each
    group's rows, so N groups cost one query, not N.
    """
    values = list(values)
    conditions = []
    for operator, cursor_id in _bounds(window, newest_first):
        values.append(cursor_id)
        conditions.append(f"c.oid {operator} ${len(values)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = "DESC" if _scans_descending(window, newest_first) else "ASC"
    values.append(window.size + 1)
    rows = await fetch(
        connections.get("default"),
        f"SELECT grp, oid FROM (SELECT c.grp AS grp, c.oid AS oid,"
        f" ROW_NUMBER() OVER (PARTITION BY c.grp ORDER BY c.oid {direction}) AS rn"
        f" FROM ({candidates}) c{where}) ranked WHERE rn <= ${len(values)} ORDER BY grp, oid {direction}",
        values,
    )
    return _by_group(rows)


async def lateral_page_ids(
    *, groups: list[Any], group_type: str, branches: list[str], id_column: str, values: list[Any], window: PageWindow,
    newest_first: bool,
) -> dict[Any, list[uuid.UUID]]:
    """PostgreSQL: grouped_page_ids read from an index per group: each group's page costs its size, not its history.

    Each of `branches` is SQL selecting `{id_column} AS oid` for the group `g.grp` (one of `groups`, an array of
    `group_type`), already narrowed to what the principal may read, with `$n` placeholders for `values`; with an
    index on (group column, id) each branch is a backward (or forward) index scan that stops at the page's size.
    A group's rows are the union of its branches (a row in two branches counts once).
    """
    values = [*values, groups]
    group_param = f"${len(values)}::{group_type}[]"
    conditions = ""
    for operator, cursor_id in _bounds(window, newest_first):
        values.append(cursor_id)
        conditions += f" AND {id_column} {operator} ${len(values)}"
    direction = "DESC" if _scans_descending(window, newest_first) else "ASC"
    values.append(window.size + 1)
    limit = f"${len(values)}"
    parts = " UNION ".join(f"({branch}{conditions} ORDER BY {id_column} {direction} LIMIT {limit})" for branch in branches)
    rows = await fetch(
        connections.get("default"),
        f"SELECT g.grp AS grp, x.oid AS oid FROM unnest({group_param}) AS g(grp) CROSS JOIN LATERAL"
        f" ({parts} ORDER BY oid {direction} LIMIT {limit}) x ORDER BY grp, oid {direction}",
        values,
    )
    return _by_group(rows)


def _by_group(rows: list[dict[str, Any]]) -> dict[Any, list[uuid.UUID]]:
    """Rows of (grp, oid), already in scan order, as each group's list of ids."""
    grouped: dict[Any, list[uuid.UUID]] = {}
    for row in rows:
        grouped.setdefault(row["grp"], []).append(as_uuid(row["oid"]))
    return grouped
