"""Bulk payout files without a database: decoding, the header, line parsing, duplicates, the batch status, line ids
and the per-line idempotency key."""

from __future__ import annotations

import base64
import uuid

import pytest

from auth.principal import CUSTOMER, PARTNER, Principal
from schema.common.relay import parse_global_id, to_global_id
from services.business.bulk_create import batch_status, line_ids
from services.business.bulk_csv import (
    BANK_ACCOUNT, MAX_LINES, WALLET, ParsedLine, decode_upload, mark_duplicates, parse_file,
)
from services.business.bulk_execute import line_key, line_runner
from services.business.bulk_records import ALL_OR_NOTHING, AWAITING_APPROVAL, INVALID, PARTIAL, READY
from services.errors import BulkFileEncoding, BulkFileHeader, BulkTooManyLines, ValidationFailed

W1, W2 = uuid.uuid4(), uuid.uuid4()
G1, G2 = to_global_id("Wallet", W1), to_global_id("Wallet", W2)
BANK = uuid.uuid4()


def _parse(*rows: str, currency: str = "CNY") -> list[ParsedLine]:
    return parse_file("beneficiary,amount,reference\n" + "\n".join(rows), currency=currency, decode_id=parse_global_id)


def _codes(lines: list[ParsedLine]) -> list[tuple[int, str | None]]:
    return [(line.line_number, line.error.code if line.error else None) for line in lines]


def test_text_and_base64_uploads_decode_and_a_bad_encoding_is_named():
    text = "beneficiary,amount,reference\nx,1,工资\n"
    assert decode_upload(text="\ufeff" + text, base64_text=None) == text
    assert decode_upload(text=None, base64_text=base64.b64encode(text.encode("utf-8-sig")).decode()) == text
    with pytest.raises(BulkFileEncoding) as latin1:
        decode_upload(text=None, base64_text=base64.b64encode("a,1,Café".encode("latin-1")).decode())
    assert "offset 7" in latin1.value.message and latin1.value.field == ["csvBase64"]
    with pytest.raises(BulkFileEncoding):
        decode_upload(text="lone \ud800 surrogate", base64_text=None)
    for bad in ({"text": None, "base64_text": None}, {"text": "a", "base64_text": "YQ=="},
                {"text": None, "base64_text": "!!"}):
        with pytest.raises(ValidationFailed):
            decode_upload(**bad)


def test_header_and_line_count_refuse_the_whole_file():
    for text in ("", "\n", "wallet,amount,reference\nx,1,y", "beneficiary;amount;reference\n"):
        with pytest.raises(BulkFileHeader):
            parse_file(text, currency="CNY", decode_id=parse_global_id)
    assert parse_file(" Beneficiary , AMOUNT,reference\n" + f"{G1},1,x", currency="CNY", decode_id=parse_global_id)
    with pytest.raises(ValidationFailed):
        parse_file("beneficiary,amount,reference\n\n\n", currency="CNY", decode_id=parse_global_id)
    many = "beneficiary,amount,reference\n" + f"{G1},1,x\n" * (MAX_LINES + 1)
    with pytest.raises(BulkTooManyLines):
        parse_file(many, currency="CNY", decode_id=parse_global_id)
    exactly = "beneficiary,amount,reference\n" + "".join(f"{G1},1,r{n}\n" for n in range(MAX_LINES))
    assert len(parse_file(exactly, currency="CNY", decode_id=parse_global_id)) == MAX_LINES


def test_each_line_gets_its_own_error_and_line_number():
    lines = _parse(
        f"{G1},12.50,March",                      # 2
        f"{G1},12.505,x",                         # 3 too many decimals
        f"{G1},0,x", f"{G1},-1,x", f"{G1},abc,x",  # 4-6
        "", f"{G2},1",                             # blank 7 skipped; 8 ok without reference
        f"{to_global_id('Customer', W1)},1,x",    # 9 not a payable type
        f"{G1},1,\"unterminated",                 # 10 broken quotes
        f"{G1},1,{'r' * 141}",                     # 11 reference too long
        f"{G1},1,bell\x07",                        # 12 control character
        f"{to_global_id('BankAccount', BANK)},3.00,own account",  # 13 ok
    )
    assert _codes(lines) == [(2, None), (3, "INVALID_AMOUNT"), (4, "INVALID_AMOUNT"), (5, "INVALID_AMOUNT"),
                             (6, "INVALID_AMOUNT"), (8, None), (9, "NOT_FOUND"), (10, "VALIDATION"),
                             (11, "VALIDATION"), (12, "VALIDATION"), (13, None)]
    assert (lines[0].beneficiary_kind, lines[0].beneficiary_id, lines[0].amount_minor, lines[0].reference) == (
        WALLET, W1, 1250, "March")
    assert lines[5].reference is None and lines[-1].beneficiary_kind == BANK_ACCOUNT
    assert _codes(_parse(f"{G1},5,x", f"{G1},5.5,x", currency="JPY")) == [(2, None), (3, "INVALID_AMOUNT")]


def test_duplicates_are_flagged_after_their_first_line():
    lines = _parse(f"{G1},1.00,a", f"{G1},1.0,a", f"{G1},1.00,b", f"{G2},1.00,a", f"{G1},1,a")
    assert _codes(lines) == [(2, None), (3, "BULK_DUPLICATE_LINE"), (4, None), (5, None), (6, "BULK_DUPLICATE_LINE")]
    assert "line 2" in lines[1].error.message  # type: ignore[union-attr]
    assert mark_duplicates([]) == []


def test_the_batch_status_follows_mode_validity_and_approval():
    ok = ParsedLine(line_number=2, raw="x", beneficiary_kind=WALLET, beneficiary_id=W1, amount_minor=1)
    bad = _parse("nope,1,x")[0]
    assert batch_status(PARTIAL, [ok, bad], False) == READY
    assert batch_status(ALL_OR_NOTHING, [ok, bad], False) == INVALID
    assert batch_status(PARTIAL, [bad], False) == INVALID
    assert batch_status(ALL_OR_NOTHING, [ok], True) == AWAITING_APPROVAL


def test_line_ids_sort_in_file_order_and_keys_are_stable_per_line():
    ids = line_ids(10_001)
    assert ids == sorted(ids) and len(set(ids)) == 10_001 and all(i.version == 7 for i in ids[:3])
    batch = uuid.uuid4()
    assert line_key(batch, 2) == line_key(batch, 2) != line_key(batch, 3)
    assert len(line_key(batch, 10_001)) <= 255


def test_lines_always_post_as_the_partner_whoever_executes():
    customer = Principal(kind=CUSTOMER, subject="c", partner_id=uuid.uuid4(), customer_id=uuid.uuid4(),
                         member_id=uuid.uuid4(), member_role="OWNER", auth_methods=frozenset({"pwd"}))
    runner = line_runner(customer)
    assert (runner.kind, runner.customer_id, runner.member_id, runner.partner_id) == (
        PARTNER, None, None, customer.partner_id)
