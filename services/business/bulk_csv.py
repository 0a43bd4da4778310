"""Bulk payout files: decode the upload and split it into lines, each parsed or with its error (pure, no database).

The file is UTF-8 (a byte order mark is allowed), given as text or as base64 of the bytes. Line 1 is the header
`beneficiary,amount,reference` (any case, spaces around names allowed); every further non-blank line is one payout:
the beneficiary (a Wallet or BankAccount global ID), a positive decimal amount in the paying wallet's currency,
and an optional reference (at most 140 characters). Line numbers are the file's physical lines, so line 2 is the
first payout. A quoted field may not span lines. What concerns the whole file (encoding, header, too many lines)
refuses the upload; what concerns one line is that line's error in the validation report.
"""

from __future__ import annotations

import base64
import binascii
import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from services.errors import (
    BulkFileEncoding, BulkFileHeader, BulkTooManyLines, DomainError, InvalidAmount, NotFound, ValidationFailed,
)
from services.money import parse_amount

MAX_LINES = 10_000
MAX_RAW_CHARS = 1000  # longer lines are refused (VALIDATION) and stored cut to this
MAX_REFERENCE_CHARS = 140
MAX_UPLOAD_CHARS = 4 * 1024 * 1024  # the text (or base64) of the upload
HEADER = ("beneficiary", "amount", "reference")
WALLET, BANK_ACCOUNT = "WALLET", "BANK_ACCOUNT"
BENEFICIARY_TYPES = {"Wallet": WALLET, "BankAccount": BANK_ACCOUNT}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# What a CSV beneficiary string means: (GraphQL type name, row id), or None when it is no global ID of ours.
IdDecoder = Callable[[str], "tuple[str, UUID] | None"]


@dataclass(frozen=True)
class LineError:
    """Why one line cannot be paid: a stable ErrorCode value and a message."""

    code: str
    message: str

    @classmethod
    def of(cls, error: DomainError) -> LineError:
        """The line error of a domain refusal."""
        return cls(code=error.code, message=error.message[:300])


@dataclass(frozen=True)
class ParsedLine:
    """One payout line as read from the file: its fields, or its error."""

    line_number: int
    raw: str
    beneficiary_kind: str | None = None
    beneficiary_id: UUID | None = None
    amount_minor: int | None = None
    reference: str | None = None
    error: LineError | None = None

    @property
    def duplicate_key(self) -> tuple[object, ...]:
        """What makes two lines the same payout: beneficiary, amount and reference."""
        return (self.beneficiary_kind, self.beneficiary_id, self.amount_minor, self.reference)


def decode_upload(*, text: str | None, base64_text: str | None) -> str:
    """The file's text from exactly one of `csv` (text) or `csvBase64` (bytes); BULK_FILE_ENCODING unless UTF-8."""
    if (text is None) == (base64_text is None):
        raise ValidationFailed("give exactly one of csv or csvBase64", field=["csv"])
    if text is not None:
        if len(text) > MAX_UPLOAD_CHARS:
            raise BulkTooManyLines(f"the file is larger than {MAX_UPLOAD_CHARS} characters", field=["csv"])
        try:
            text.encode("utf-8")  # a JSON string may carry lone surrogates: not text any file could hold
        except UnicodeEncodeError:
            raise BulkFileEncoding("the file is not valid UTF-8 text", field=["csv"]) from None
        return text.removeprefix("\ufeff")
    assert base64_text is not None
    if len(base64_text) > MAX_UPLOAD_CHARS:
        raise BulkTooManyLines(f"the file is larger than {MAX_UPLOAD_CHARS} base64 characters", field=["csvBase64"])
    try:
        raw = base64.b64decode(base64_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("csvBase64 is not valid base64", field=["csvBase64"]) from None
    try:
        return raw.decode("utf-8-sig")  # UTF-8, its byte order mark allowed (and dropped)
    except UnicodeDecodeError as exc:
        raise BulkFileEncoding(
            f"the file is not UTF-8 (invalid byte at offset {exc.start}); save it as UTF-8 and upload again",
            field=["csvBase64"],
        ) from None


def _cells(line: str) -> list[str] | None:
    """The CSV cells of one physical line, or None when its quoting is broken."""
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    return rows[0] if rows else []


def check_header(first_line: str) -> None:
    """The first line must name the columns beneficiary, amount, reference (BULK_FILE_HEADER otherwise)."""
    cells = _cells(first_line)
    names = tuple(c.strip().lower() for c in cells) if cells is not None else ()
    if names != HEADER:
        raise BulkFileHeader(
            f"line 1 must be the header {','.join(HEADER)} (got {first_line[:100]!r})", field=["csv"]
        )


def _parse_line(number: int, raw: str, currency: str, decode_id: IdDecoder) -> ParsedLine:
    """One payout line: its beneficiary, amount and reference, or the first thing wrong with it."""
    def bad(error: DomainError) -> ParsedLine:
        return ParsedLine(line_number=number, raw=raw[:MAX_RAW_CHARS], error=LineError.of(error))

    if len(raw) > MAX_RAW_CHARS:
        return bad(ValidationFailed(f"the line is longer than {MAX_RAW_CHARS} characters"))
    if _CONTROL.search(raw):
        return bad(ValidationFailed("the line holds control characters"))
    cells = _cells(raw)
    if cells is None or len(cells) not in (2, 3):
        return bad(ValidationFailed("a line has 3 columns: beneficiary,amount,reference (use quotes around commas)"))
    beneficiary, amount_text = cells[0].strip(), cells[1].strip()
    reference = (cells[2].strip() if len(cells) == 3 else "") or None
    decoded = decode_id(beneficiary) if beneficiary else None
    if decoded is None or decoded[0] not in BENEFICIARY_TYPES:
        return bad(NotFound("the beneficiary is not a Wallet or BankAccount ID"))
    try:
        amount_minor = parse_amount(amount_text, currency)
    except InvalidAmount as error:
        return bad(error)
    if reference is not None and len(reference) > MAX_REFERENCE_CHARS:
        return bad(ValidationFailed(f"the reference is longer than {MAX_REFERENCE_CHARS} characters"))
    return ParsedLine(line_number=number, raw=raw, beneficiary_kind=BENEFICIARY_TYPES[decoded[0]],
                      beneficiary_id=decoded[1], amount_minor=amount_minor, reference=reference)


def parse_file(text: str, *, currency: str, decode_id: IdDecoder) -> list[ParsedLine]:
    """Every payout line of the file, parsed or with its error; duplicates after their first are errors too."""
    physical = text.splitlines()
    if not physical or not physical[0].strip():
        raise BulkFileHeader(f"the file is empty: line 1 must be the header {','.join(HEADER)}", field=["csv"])
    check_header(physical[0])
    numbered = [(n, line) for n, line in enumerate(physical[1:], start=2) if line.strip()]
    if not numbered:
        raise ValidationFailed("the file holds no payout lines after its header", field=["csv"])
    if len(numbered) > MAX_LINES:
        raise BulkTooManyLines(f"the file holds {len(numbered)} payout lines; at most {MAX_LINES} are allowed",
                               field=["csv"])
    lines = [_parse_line(n, raw, currency, decode_id) for n, raw in numbered]
    return mark_duplicates(lines)


def mark_duplicates(lines: list[ParsedLine]) -> list[ParsedLine]:
    """Lines repeating an earlier valid line's beneficiary, amount and reference: BULK_DUPLICATE_LINE."""
    first_seen: dict[tuple[object, ...], int] = {}
    out = []
    for line in lines:
        if line.error is None:
            earlier = first_seen.setdefault(line.duplicate_key, line.line_number)
            if earlier != line.line_number:
                line = ParsedLine(line_number=line.line_number, raw=line.raw, error=LineError(
                    code="BULK_DUPLICATE_LINE",
                    message=f"the same beneficiary, amount and reference as line {earlier}"))
        out.append(line)
    return out
