"""Keyset pagination: opaque cursors over time-ordered primary keys."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from tortoise import connections
from tortoise.queryset import QuerySet

from services.errors import ValidationFailed
from auth.principal import Principal
from services.db.sql import as_uuid, fetch
from services.scoping import partner_clause

T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def map_page(page: Page[T], convert: Callable[[T], U]) -> Page[U]:
    """The same page with every item converted (rows to the records services hand out)."""
    return Page(items=[convert(item) for item in page.items], cursors=page.cursors,
                has_next_page=page.has_next_page, has_previous_page=page.has_previous_page)


def encode_cursor(object_id: uuid.UUID) -> str:
    """An opaque cursor for a row's id."""
    return base64.urlsafe_b64encode(b"c:" + object_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    """The row id a cursor stands for, or ValidationFailed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise ValidationFailed("invalid cursor", field=["after"]) from None
    if len(raw) != 18 or not raw.startswith(b"c:"):
        raise ValidationFailed("invalid cursor", field=["after"])
    return uuid.UUID(bytes=raw[2:])


def check_page_size(first: int | None) -> int:
    """Validate `first`: between 1 and 100, defaulting to 20."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}", field=["first"])
    return first


async def keyset_page(query: QuerySet[T], *, first: int | None, after: str | None, newest_first: bool = False) -> Page[T]:
    """One page of a query ordered by id, fetching one extra row to know if more follow."""
    size = check_page_size(first)
    if after is not None:
        after_id = decode_cursor(after)
        query = query.filter(id__lt=after_id) if newest_first else query.filter(id__gt=after_id)
    rows = await query.order_by("-id" if newest_first else "id").limit(size + 1)
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(
        items=rows,
        cursors=[encode_cursor(row.id) for row in rows],  # type: ignore[attr-defined]
        has_next_page=has_next,
        has_previous_page=after is not None,
    )


async def grouped_keyset_ids(
    *,
    table: str,
    group_column: str,
    id_column: str,
    principal: Principal,
    group_ids: list[Any],
    first: int | None,
    after: str | None,
    newest_first: bool,
) -> tuple[int, dict[Any, list[uuid.UUID]]]:
    """For many groups at once, the ids of each group's page (plus one extra): one query.

    Returns the page size and, per group, up to size+1 ids in page order; the
    extra id only says that another page follows.
    """
    size = check_page_size(first)
    if not group_ids:
        return size, {}
    scope_sql, values = partner_clause(principal, "t.partner_id", 1)
    offset = len(values) + 1
    placeholders = ", ".join(f"${i + offset}" for i in range(len(group_ids)))
    values = [*values, *group_ids]
    cursor_filter = ""
    if after is not None:
        values.append(decode_cursor(after))
        cursor_filter = f" AND t.{id_column} {'<' if newest_first else '>'} ${len(values)}"
    values.append(size + 1)
    direction = "DESC" if newest_first else "ASC"
    # A window function ranks each group's rows, so N groups cost one query, not N.
    rows = await fetch(
        connections.get("default"),
        f"SELECT grp, oid FROM (SELECT t.{group_column} AS grp, t.{id_column} AS oid,"
        f" ROW_NUMBER() OVER (PARTITION BY t.{group_column} ORDER BY t.{id_column} {direction}) AS rn"
        f" FROM {table} t WHERE {scope_sql} AND t.{group_column} IN ({placeholders}){cursor_filter}"
        f") ranked WHERE rn <= ${len(values)} ORDER BY grp, oid {direction}",
        values,
    )
    grouped: dict[Any, list[uuid.UUID]] = {}
    for row in rows:
        grouped.setdefault(row["grp"], []).append(as_uuid(row["oid"]))
    return size, grouped


def page_from_ids(ids: list[uuid.UUID], rows_by_id: dict[uuid.UUID, T], *, size: int, after: str | None) -> Page[T]:
    """Assemble one group's page from its ids (size+1 at most) and the loaded rows."""
    items = [rows_by_id[i] for i in ids[:size] if i in rows_by_id]
    return Page(
        items=items,
        cursors=[encode_cursor(i) for i in ids[:size] if i in rows_by_id],
        has_next_page=len(ids) > size,
        has_previous_page=after is not None,
    )
