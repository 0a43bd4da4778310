"""services.pagination without a database: cursors, page sizes and assembling pages."""

from __future__ import annotations

import base64
import uuid

import pytest

from services.errors import ValidationFailed
from services.pagination import (
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, check_page_size, decode_cursor, encode_cursor, map_page, page_from_ids,
)

IDS = [uuid.UUID(int=i) for i in range(1, 6)]


def test_a_cursor_decodes_to_its_id_and_is_opaque():
    some = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
    cursor = encode_cursor(some)
    assert decode_cursor(cursor) == some
    assert str(some) not in cursor and "=" not in cursor


@pytest.mark.parametrize("cursor", [
    "", "not base64 at all!", "@@@@", base64.urlsafe_b64encode(b"x:" + bytes(16)).decode(),
    base64.urlsafe_b64encode(b"c:" + bytes(15)).decode(), encode_cursor(uuid.UUID(int=1)) + "AA",
])
def test_a_forged_or_damaged_cursor_is_a_validation_error_on_after(cursor):
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(cursor)
    assert (caught.value.message, caught.value.field) == ("invalid cursor", ["after"])


def test_page_size_defaults_and_bounds():
    assert check_page_size(None) == DEFAULT_PAGE_SIZE == 20
    assert check_page_size(1) == 1
    assert check_page_size(MAX_PAGE_SIZE) == 100
    for bad in (0, -1, MAX_PAGE_SIZE + 1):
        with pytest.raises(ValidationFailed) as caught:
            check_page_size(bad)
        assert caught.value.field == ["first"]


def test_map_page_converts_items_and_keeps_cursors_and_flags():
    page = Page(items=[1, 2], cursors=["a", "b"], has_next_page=True, has_previous_page=False)
    assert map_page(page, str) == Page(items=["1", "2"], cursors=["a", "b"], has_next_page=True, has_previous_page=False)


def test_a_group_page_from_size_plus_one_ids_says_another_page_follows():
    rows = {i: f"row-{i.int}" for i in IDS}
    page = page_from_ids(IDS[:3], rows, size=2, after=None)
    assert page == Page(items=["row-1", "row-2"], cursors=[encode_cursor(IDS[0]), encode_cursor(IDS[1])],
                        has_next_page=True, has_previous_page=False)


def test_a_group_page_skips_rows_that_did_not_load_and_knows_it_follows_a_cursor():
    rows = {IDS[0]: "row-1", IDS[2]: "row-3"}
    page = page_from_ids(IDS[:3], rows, size=3, after="cursor")
    assert (page.items, page.cursors) == (["row-1", "row-3"], [encode_cursor(IDS[0]), encode_cursor(IDS[2])])
    assert (page.has_next_page, page.has_previous_page) == (False, True)
