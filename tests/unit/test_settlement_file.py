"""Reading settlement files: the header refuses the whole file, every other problem is one line's, reported whole."""

from __future__ import annotations

from datetime import date

import pytest

from services.reconciliation.settlement_file import (
    MalformedLine, SettlementFileInvalid, SettlementLine, columns_of, decode, parse_line, read_lines,
)


def test_a_good_line_is_read_in_minor_units():
    line = parse_line(2, "sim_1, 12.50 ,CNY,2026-12-01,SETTLED", 5)
    assert line == SettlementLine(2, "sim_1, 12.50 ,CNY,2026-12-01,SETTLED", "sim_1", 1_250, "CNY", date(2026, 12, 1),
                                  "SETTLED", None)
    with_reason = parse_line(3, "sim_2,1000,JPY,2026-12-01,FAILED,R01", 6)
    assert isinstance(with_reason, SettlementLine) and (with_reason.amount_minor, with_reason.reason_code) == (1_000, "R01")


@pytest.mark.parametrize("text, problem", [
    ("sim_1,12.50,CNY,2026-12-01", "expected 5 columns, got 4"),
    ("sim_1,12.505,CNY,2026-12-01,SETTLED", "bad amount"),
    ("sim_1,-1,CNY,2026-12-01,SETTLED", "bad amount"),
    ("sim_1,0,CNY,2026-12-01,SETTLED", "bad amount"),
    ("sim_1,1.00,XXX,2026-12-01,SETTLED", "unknown currency"),
    ("sim_1,1.00,cny,2026-12-01,SETTLED", "unknown currency"),
    ("sim_1,1.00,CNY,01/12/2026,SETTLED", "bad value_date"),
    ("sim_1,1.00,CNY,2026-02-30,SETTLED", "no such day"),
    ("sim_1,1.00,CNY,2026-12-01,PENDING", "bad status"),
    (",1.00,CNY,2026-12-01,SETTLED", "empty reference"),
])
def test_a_malformed_line_says_why_and_keeps_its_whole_text(text, problem):
    line = parse_line(7, text, 5)
    assert isinstance(line, MalformedLine)
    assert (line.line_number, line.text) == (7, text) and problem in line.problem


def test_the_reference_of_a_malformed_line_is_kept_when_readable():
    assert parse_line(2, "sim_9,1.00", 5).reference == "sim_9"
    assert parse_line(2, ",1.00", 5).reference is None


@pytest.mark.parametrize("header", [
    None, "", "reference,amount,currency,value_date", "ref,amount,currency,value_date,status",
    "reference,amount,currency,value_date,status,reason", "amount,reference,currency,value_date,status",
])
def test_a_wrong_header_refuses_the_file(header):
    with pytest.raises(SettlementFileInvalid):
        columns_of(header)


def test_lines_are_numbered_from_the_header_and_blank_lines_skipped():
    lines = decode("\ufeffreference,amount,currency,value_date,status,reason_code\r\n"
                   "a,1.00,CNY,2026-12-01,SETTLED,\r\n\r\nb,oops,CNY,2026-12-01,SETTLED,\r\n".encode())
    read = list(read_lines(lines))
    assert [(type(line).__name__, line.line_number) for line in read] == [("SettlementLine", 2), ("MalformedLine", 4)]


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(SettlementFileInvalid):
        decode(b"reference\xff")
