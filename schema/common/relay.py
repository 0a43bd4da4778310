"""Relay plumbing: the Node interface, opaque global IDs and keyset connections."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from services.pagination import Page

T = TypeVar("T")
M = TypeVar("M")


@strawberry.interface(description="An object with an opaque global ID, fetchable with node(id:).")
class Node:
    id: strawberry.ID


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


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

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
