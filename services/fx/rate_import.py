"""`qianbao fx import FILE`: mid rates from a CSV file, all or nothing, idempotent.

Each line is `base,quote,rate,source,as_of` (an optional first line with
those names is a header): two offered currency codes, a positive decimal rate
with at most 9 decimals, who published it (1 to 64 characters) and when, as an
ISO 8601 time with a timezone, not in the future. If any line is malformed
the whole file is refused and every bad line is reported with its line
number; nothing is stored. A line whose pair, source and as_of are already
stored with the same rate is skipped, so importing the same file twice adds
nothing; the same key with a different rate is a bad line (rates are never
changed, only superseded by a later as_of).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.transactions import in_transaction

from models import FxRate
from services import clock
from services.errors import DomainError
from services.fx.pricing import parse_rate
from services.fx.rates import checked_source, pair

COLUMNS = ("base", "quote", "rate", "source", "as_of")


@dataclass
class ImportReport:
    """What an import did: rates added, lines already stored, and the bad lines (line number, reason)."""

    added: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Line:
    number: int
    base: str
    quote: str
    rate_e9: int
    source: str
    as_of: datetime


def _as_of(text: str, now: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("as_of must be an ISO 8601 time such as 2026-12-04T09:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError("as_of needs a timezone (e.g. Z or +08:00)")
    if moment > now:
        raise ValueError("as_of is in the future")
    return moment


def parse_lines(text: str, now: datetime) -> tuple[list[_Line], list[tuple[int, str]]]:
    """The file's rates, and every malformed line with its number (1-based) and reason."""
    lines: list[_Line] = []
    errors: list[tuple[int, str]] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not cells or all(not c.strip() for c in cells):
            continue  # a blank line
        if number == 1 and tuple(c.strip().lower() for c in cells) == COLUMNS:
            continue  # the header
        if len(cells) != len(COLUMNS):
            errors.append((number, f"expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), got {len(cells)}"))
            continue
        base, quote, rate, source, as_of = (c.strip() for c in cells)
        try:
            base_code, quote_code = pair(base, quote, fields=("base", "quote"))
            lines.append(_Line(number, base_code, quote_code, parse_rate(rate), checked_source(source), _as_of(as_of, now)))
        except DomainError as error:
            errors.append((number, error.message))
        except ValueError as error:
            errors.append((number, str(error)))
    keys: dict[tuple[str, str, str, datetime], _Line] = {}
    for line in lines:
        key = (line.base, line.quote, line.source, line.as_of)
        if key in keys and keys[key].rate_e9 != line.rate_e9:
            errors.append((line.number, f"repeats line {keys[key].number}'s pair, source and as_of with another rate"))
        keys.setdefault(key, line)
    return lines, sorted(errors)


async def import_rates(text: str, *, created_by: str) -> ImportReport:
    """Store every rate of the file, or none of them if any line is bad (report.errors says which)."""
    report = ImportReport()
    lines, report.errors = parse_lines(text, clock.now())
    if report.errors:
        return report
    async with in_transaction() as conn:
        seen: set[tuple[str, str, str, datetime]] = set()
        for line in lines:
            key = (line.base, line.quote, line.source, line.as_of)
            stored = await FxRate.filter(base_currency=line.base, quote_currency=line.quote, source=line.source,
                                         as_of=line.as_of).using_db(conn).first()
            if stored is not None or key in seen:
                if stored is not None and stored.rate_e9 != line.rate_e9:
                    report.errors.append((line.number, "a different rate is already stored for this pair, source and"
                                                       " as_of"))
                report.unchanged += 1
                continue
            seen.add(key)
            await FxRate.create(base_currency=line.base, quote_currency=line.quote, rate_e9=line.rate_e9,
                                source=line.source, as_of=line.as_of, created_by=created_by[:160], using_db=conn)
            report.added += 1
        if report.errors:
            # All or nothing: leave the transaction by an exception so that no rate of this file stays.
            raise _Refused(report)
    return report


class _Refused(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import refused")
        self.report = report


async def import_rates_file(text: str, *, created_by: str) -> ImportReport:
    """import_rates, with a refusal found while writing reported like one found while parsing (nothing stored)."""
    try:
        return await import_rates(text, created_by=created_by)
    except _Refused as refused:
        refused.report.added = 0
        return refused.report
