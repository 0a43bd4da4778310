"""The one-ID-scheme rule, checked on every response of the API test suite: no raw UUID reaches a client.

Every object id the API returns is an opaque global ID; a UUID in its canonical
8-4-4-4-12 form anywhere in a JSON response (data, errors or extensions) means
a raw row id leaked. BearerSession (tests/factories.py) runs every response
through `assert_no_raw_ids`, so any API test that sees one fails where it happens.
"""

from __future__ import annotations

import re

RAW_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def raw_ids_in(text: str) -> list[str]:
    """The canonical-form UUIDs in a response body."""
    return RAW_UUID.findall(text)


def assert_no_raw_ids(text: str, query: str) -> None:
    """Fail when a response body carries a raw UUID (the query is named in the message)."""
    found = raw_ids_in(text)
    assert not found, f"raw UUID(s) {found[:3]} in the response to {query[:120]!r}: the API returns global IDs only"
