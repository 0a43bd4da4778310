"""Reading a rail's settlement file (pure): the header checked, each data line a SettlementLine or a MalformedLine.

The file is UTF-8 CSV (a byte-order mark is allowed), one line per record
(quoted fields, but no line breaks inside them), with the header
`reference,amount,currency,value_date,status` and, optionally, a sixth
column `reason_code`. A wrong header refuses the whole file
(SettlementFileInvalid: nothing is imported). Every other problem is one
line's: it becomes a MalformedLine with its line number (the header is
line 1) and its whole text, and the rest of the file is processed. Blank
lines are skipped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from services.errors import DomainError, InvalidAmount, UnsupportedCurrency
from services.money import currency_exponent, parse_amount
from services.rails.interface import OUTCOMES

HEADER = ("reference", "amount", "currency", "value_date", "status")
OPTIONAL = "reason_code"
MAX_REFERENCE = 255  # longer than any rail reference we store (64): such a line is UNKNOWN_REFERENCE, not malformed
MAX_REASON = 64  # rail_transfer.reason_code
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class SettlementFileInvalid(DomainError):
    """The file as a whole cannot be read (not UTF-8, empty, or a wrong header): nothing of it is imported."""

    code = "VALIDATION"


@dataclass(frozen=True)
class SettlementLine:
    """One well-formed line: a rail's outcome for one of its references, in minor units."""

    line_number: int
    text: str
    reference: str
    amount_minor: int
    currency: str
    value_date: date
    status: str  # SETTLED, FAILED or RETURNED
    reason_code: str | None


@dataclass(frozen=True)
class MalformedLine:
    """A line that could not be read, with why; reference is its first field when that much was readable."""

    line_number: int
    text: str
    problem: str
    reference: str | None


def decode(content: bytes) -> list[str]:
    """The file's lines (UTF-8, an optional BOM dropped); SettlementFileInvalid when it is not UTF-8 text."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettlementFileInvalid(f"the file is not UTF-8 text (byte {exc.start})", field=["file"]) from None
    return text.splitlines()


def columns_of(header_line: str | None) -> tuple[str, ...]:
    """The file's columns from its header line; SettlementFileInvalid unless it is HEADER with or without reason_code."""
    if header_line is None:
        raise SettlementFileInvalid("the file is empty: it needs the header " + ",".join(HEADER), field=["file"])
    columns = tuple(cell.strip() for cell in next(csv.reader([header_line]), []))
    if columns not in (HEADER, (*HEADER, OPTIONAL)):
        raise SettlementFileInvalid(
            f"the header must be {','.join(HEADER)} (optionally ,{OPTIONAL}), got {header_line[:200]!r}; nothing was"
            " imported", field=["file"])
    return columns


def parse_line(line_number: int, text: str, width: int) -> SettlementLine | MalformedLine:
    """One data line read against a header of `width` columns: a SettlementLine, or a MalformedLine saying why."""
    try:
        cells = [cell.strip() for cell in next(csv.reader([text]), [])]
    except csv.Error as exc:
        return MalformedLine(line_number, text, f"not CSV: {exc}", None)
    reference = cells[0] if cells and cells[0] else None
    if len(cells) != width:
        return MalformedLine(line_number, text, f"expected {width} columns, got {len(cells)}", reference)
    raw_reference, amount, currency, value_date, status = cells[:5]
    reason = cells[5] if width == 6 and cells[5] else None
    problem = _problem(raw_reference, currency, value_date, status, reason)
    if problem is None:
        try:
            amount_minor = parse_amount(amount, currency)
        except InvalidAmount as exc:
            problem = f"bad amount: {exc.message}"
    if problem is not None:
        return MalformedLine(line_number, text, problem, reference)
    return SettlementLine(line_number, text, raw_reference, amount_minor, currency, date.fromisoformat(value_date),
                          status, reason)


def _problem(reference: str, currency: str, value_date: str, status: str, reason: str | None) -> str | None:
    """What is wrong with a line's fields other than its amount (None: nothing)."""
    if not reference:
        return "empty reference"
    if len(reference) > MAX_REFERENCE:
        return f"reference longer than {MAX_REFERENCE} characters"
    try:
        currency_exponent(currency)
    except UnsupportedCurrency as exc:
        return f"unknown currency: {exc.message}"
    if not _DATE.fullmatch(value_date):
        return f"bad value_date {value_date[:40]!r}: not YYYY-MM-DD"
    try:
        date.fromisoformat(value_date)
    except ValueError:
        return f"bad value_date {value_date!r}: no such day"
    if status not in OUTCOMES:
        return f"bad status {status[:40]!r}: not one of {', '.join(OUTCOMES)}"
    if reason is not None and len(reason) > MAX_REASON:
        return f"reason_code longer than {MAX_REASON} characters"
    return None


def read_lines(lines: list[str]) -> Iterator[SettlementLine | MalformedLine]:
    """Every non-blank data line of a decoded file, in order, checked against its header (refused when wrong)."""
    width = len(columns_of(lines[0] if lines else None))
    for index, text in enumerate(lines[1:], start=2):
        if text.strip():
            yield parse_line(index, text, width)
