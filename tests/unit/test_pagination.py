"""services.pagination without a database: cursors, page windows, filters and assembling pages."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from models.enums import TransactionKind
from services.errors import ValidationFailed
from services.pagination import (
    CURSOR_VERSION, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageWindow, assemble_page, check_page_size,
    check_time_range, decode_cursor, encode_cursor, enum_filter, map_page, page_window,
)

IDS = [uuid.UUID(int=i) for i in range(1, 6)]
SOME = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def _unb64(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def test_a_cursor_decodes_to_its_id_and_is_opaque():
    cursor = encode_cursor(SOME)
    assert decode_cursor(cursor) == SOME
    assert "=" not in cursor and str(SOME) not in cursor
    raw = _unb64(cursor)
    # Versioned, and what a client decodes shows the id neither as text nor as its 16 bytes.
    assert raw[0] == CURSOR_VERSION
    assert SOME.bytes not in raw and SOME.hex.encode() not in raw and str(SOME).encode() not in raw
    assert raw.hex().find(SOME.hex) == -1


def test_cursors_are_stable_and_distinct():
    assert encode_cursor(SOME) == encode_cursor(SOME)
    assert len({encode_cursor(i) for i in IDS}) == len(IDS)


def _tampered(cursor: str) -> str:
    raw = bytearray(_unb64(cursor))
    raw[5] ^= 0x01  # one bit of the id: the check no longer matches
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def _other_version(cursor: str) -> str:
    raw = bytearray(_unb64(cursor))
    raw[0] = CURSOR_VERSION + 1
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "", "not base64 at all!", "@@@@", "x" * 5000,
    base64.urlsafe_b64encode(b"c:" + SOME.bytes).decode(),  # the old unversioned form: the raw id after "c:"
    base64.urlsafe_b64encode(SOME.bytes).decode(), str(SOME), SOME.hex, "1", "42",
    encode_cursor(SOME) + "AA", encode_cursor(SOME)[:-2], _tampered(encode_cursor(SOME)), _other_version(encode_cursor(SOME)),
])
@pytest.mark.parametrize("field", ["after", "before"])
def test_a_forged_or_damaged_cursor_is_a_validation_error_naming_its_argument(cursor, field):
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(cursor, field=field)
    assert caught.value.field == [field]
    assert caught.value.message.startswith(f"{field} is not a valid cursor")


def test_page_size_defaults_and_bounds():
    assert check_page_size(None) == DEFAULT_PAGE_SIZE == 20
    assert check_page_size(1) == 1
    assert check_page_size(MAX_PAGE_SIZE) == 100
    for bad in (0, -1, MAX_PAGE_SIZE + 1):
        with pytest.raises(ValidationFailed) as caught:
            check_page_size(bad)
        assert caught.value.field == ["first"]


def test_a_window_pages_forward_by_default_and_backward_with_last():
    assert page_window(first=None, after=None) == PageWindow(size=20, backward=False)
    assert page_window(first=5, after=encode_cursor(IDS[0])) == PageWindow(size=5, backward=False, after=IDS[0])
    assert page_window(first=None, after=None, last=3, before=encode_cursor(IDS[4])) == PageWindow(
        size=3, backward=True, before=IDS[4])
    assert page_window(first=None, after=None, before=encode_cursor(IDS[4])) == PageWindow(
        size=20, backward=False, before=IDS[4])


@pytest.mark.parametrize("last", [0, -1, MAX_PAGE_SIZE + 1])
def test_last_has_the_same_bounds_as_first(last):
    with pytest.raises(ValidationFailed) as caught:
        page_window(first=None, after=None, last=last)
    assert caught.value.field == ["last"] and "between 1 and 100" in caught.value.message
    assert page_window(first=None, after=None, last=MAX_PAGE_SIZE).size == MAX_PAGE_SIZE


def test_first_and_last_together_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        page_window(first=10, after=None, last=10)
    assert caught.value.field == ["last"]
    assert "first and last cannot be used together" in caught.value.message


def test_a_bad_before_cursor_names_before():
    with pytest.raises(ValidationFailed) as caught:
        page_window(first=None, after=None, last=2, before="nope")
    assert caught.value.field == ["before"]


def test_map_page_converts_items_and_keeps_cursors_and_flags():
    page = Page(items=[1, 2], cursors=["a", "b"], has_next_page=True, has_previous_page=False)
    assert map_page(page, str) == Page(items=["1", "2"], cursors=["a", "b"], has_next_page=True, has_previous_page=False)


def test_a_group_page_from_size_plus_one_ids_says_another_page_follows():
    rows = {i: f"row-{i.int}" for i in IDS}
    page = assemble_page(IDS[:3], rows, page_window(first=2, after=None))
    assert page == Page(items=["row-1", "row-2"], cursors=[encode_cursor(IDS[0]), encode_cursor(IDS[1])],
                        has_next_page=True, has_previous_page=False)


def test_a_group_page_skips_rows_that_did_not_load_and_knows_it_follows_a_cursor():
    rows = {IDS[0]: "row-1", IDS[2]: "row-3"}
    page = assemble_page(IDS[:3], rows, page_window(first=3, after=encode_cursor(uuid.UUID(int=0))))
    assert (page.items, page.cursors) == (["row-1", "row-3"], [encode_cursor(IDS[0]), encode_cursor(IDS[2])])
    assert (page.has_next_page, page.has_previous_page) == (False, True)


def test_a_backward_page_is_read_in_reverse_and_handed_out_in_list_order():
    rows = {i: i.int for i in IDS}
    # Backward from before=IDS[4]: read IDS[3], IDS[2], IDS[1] (one more than the size of 2).
    window = PageWindow(size=2, backward=True, before=IDS[4])
    page = assemble_page([IDS[3], IDS[2], IDS[1]], rows, window)
    assert page.items == [3, 4] and page.cursors == [encode_cursor(IDS[2]), encode_cursor(IDS[3])]
    assert (page.has_previous_page, page.has_next_page) == (True, True)
    # The start of the list reached, and no before: nothing on either side.
    page = assemble_page([IDS[1], IDS[0]], rows, PageWindow(size=2, backward=True))
    assert page.items == [1, 2] and (page.has_previous_page, page.has_next_page) == (False, False)


def test_a_time_range_is_utc_half_open_and_ordered():
    start = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert check_time_range(start, None, start_field="createdFrom", end_field="createdTo") == (
        datetime(2026, 1, 1, tzinfo=timezone.utc), None)
    assert check_time_range(None, datetime(2026, 1, 2), start_field="createdFrom", end_field="createdTo") == (
        None, datetime(2026, 1, 2, tzinfo=timezone.utc))  # without an offset: UTC
    for end in (start, start - timedelta(seconds=1)):
        with pytest.raises(ValidationFailed) as caught:
            check_time_range(start, end, start_field="createdFrom", end_field="createdTo")
        assert caught.value.field == ["createdTo"] and caught.value.message == "createdFrom must be before createdTo"


def test_an_enum_filter_takes_members_or_names():
    assert enum_filter(TransactionKind, None, field="kind") is None
    assert enum_filter(TransactionKind, "TOP_UP", field="kind") is TransactionKind.TOP_UP
    assert enum_filter(TransactionKind, TransactionKind.TRANSFER, field="kind") is TransactionKind.TRANSFER
    with pytest.raises(ValidationFailed) as caught:
        enum_filter(TransactionKind, "CHARGEBACK", field="kind")
    assert caught.value.field == ["kind"] and "TOP_UP" in caught.value.message
