"""Relay plumbing: the Node interface, opaque global IDs and keyset connections."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

import strawberry

from services.pagination import Page

T = TypeVar("T")
M = TypeVar("M")


@strawberry.interface(description="An object with an opaque global ID, fetchable with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's opaque global ID: stable, never reused, and valid only with this API. Pass it back"
        " as it is (node(id:), inputs); do not parse it or build one yourself."
    )


def to_global_id(type_name: str, object_id: uuid.UUID) -> strawberry.ID:
    """Encode a type name and row id as an opaque global ID."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode().rstrip("="))


def parse_global_id(global_id: str | None) -> tuple[str, uuid.UUID] | None:
    """Decode a global ID into (type name, uuid); None when it is not one of ours."""
    if not isinstance(global_id, str) or not 0 < len(global_id) <= 128:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, value = raw.partition(":")
        return type_name, uuid.UUID(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def global_id_to_uuid(global_id: str | None, type_name: str) -> uuid.UUID | None:
    """The row id behind a global ID of the expected type, else None (answered as NOT_FOUND)."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        return None
    return parsed[1]


# Relay paging arguments, described once and shared by every list that pages both ways.
FirstArg = Annotated[int | None, strawberry.argument(
    description="Page forward: at most this many items (1 to 100) after `after`. Defaults to 20 when neither"
    " first nor last is given; giving both is a VALIDATION error."
)]
AfterArg = Annotated[str | None, strawberry.argument(
    description="Page forward from this cursor (an endCursor or an edge's cursor of the same list): the page starts"
    " just after it."
)]
LastArg = Annotated[int | None, strawberry.argument(
    description="Page backward: at most this many items (1 to 100) just before `before`, or at the end of the list."
)]
BeforeArg = Annotated[str | None, strawberry.argument(
    description="Page backward from this cursor (a startCursor or an edge's cursor of the same list): the page ends"
    " just before it."
)]


@strawberry.type(description="Where a page lies in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page. Paging backward (last/before) it is true whenever before was given."
    )
    has_previous_page: bool = strawberry.field(
        description="More items precede this page. Paging forward (first/after) it is true whenever after was given."
    )
    start_cursor: str | None = strawberry.field(
        description="The first item's cursor (null on an empty page): pass it as before for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor (null on an empty page): pass it as after for the next page."
    )


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque: where this item lies in the list, for after or before.")
    node: T = strawberry.field(description="The item at this position of the list.")


@strawberry.type(description="One page of a list, in a stable order; page with first/after or last/before.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page, each with its cursor, in the list's order (at most the page size asked)."
    )
    page_info: PageInfo = strawberry.field(
        description="Where this page lies: whether more items follow or precede it, and the cursors to get them."
    )

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @classmethod
    def from_page(cls, page: Page[M], convert: Callable[[M], T]) -> Connection[T]:
        """A connection from a service page, converting each model into its GraphQL type."""
        edges = [Edge(cursor=cursor, node=convert(item)) for item, cursor in zip(page.items, page.cursors)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )
