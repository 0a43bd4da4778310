"""Importing a rail's settlement file: every line matched with our transfers by (rail, reference), each outcome
applied once through services.rails.outcomes, every disagreement a reconciliation exception.

- The same file (by the SHA-256 of its bytes) imported again for the same rail answers "already imported" and
  writes nothing. The file is recorded (settlement_file) after its lines were processed, so an import that
  crashed half-way can simply be run again: each line's effect is idempotent on its own (an outcome is applied
  once, an exception is OPEN once per rail, kind and reference).
- A wrong header refuses the file (SettlementFileInvalid, nothing written); a malformed line is a MALFORMED_LINE
  exception with its line number and whole text, and the rest of the file is processed.
- Lines are read in chunks: one query fetches the transfers of a chunk's references (never one per line).
- MISSING_FROM_FILE: a transfer of the rail still SUBMITTED after the file was applied, submitted before 00:00 UTC
  of the cut-off day, whose reference appears on no line of the file (malformed lines included, when their first
  field could be read). The cut-off day is `as_of` when given, else the latest value_date of the file's
  well-formed lines; a file with neither checks nothing missing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import RailTransfer, SettlementFile
from services import clock
from services.rails.interface import RailEvent
from services.rails.outcomes import APPLIED, apply_rail_event
from services.reconciliation.exceptions import NewException, store_exceptions
from services.reconciliation.matching import MALFORMED_LINE, MISSING_FROM_FILE, judge
from services.reconciliation.settlement_file import MalformedLine, SettlementLine, decode, read_lines

CHUNK = 1000  # lines whose transfers one query fetches
APPLIED_COUNT, UNCHANGED_COUNT = "applied", "unchanged"


@dataclass
class ImportReport:
    """What an import did: whether it was new, how many lines, outcomes applied, lines already known, exceptions."""

    rail: str
    name: str
    sha256: str
    already_imported: bool = False
    lines: int = 0
    counts: Counter = field(default_factory=Counter)  # applied, unchanged, and one count per exception kind found
    new_exceptions: int = 0
    settlement_file_id: uuid.UUID | None = None


@dataclass
class _Ours:
    """What we know of one transfer while the file is applied (its status follows what the import applied)."""

    id: uuid.UUID
    status: str
    amount_minor: int
    currency: str


async def import_settlement_file(*, content: bytes, name: str, rail: str, as_of: date | None = None) -> ImportReport:
    """Import one settlement file of a rail (see the module docstring); SettlementFileInvalid for a wrong header."""
    digest = hashlib.sha256(content).hexdigest()
    report = ImportReport(rail=rail, name=name, sha256=digest)
    known = await SettlementFile.get_or_none(rail=rail, sha256=digest)
    if known is not None:
        report.already_imported, report.lines, report.settlement_file_id = True, known.lines, known.id
        report.counts.update(known.counts.get("found", {}))
        return report
    lines = decode(content)
    parsed = read_lines(lines)  # checks the header before anything is read or written
    found: list[NewException] = []
    named: set[str] = set()  # every reference a line names, malformed lines included
    latest: date | None = None
    chunk: list[SettlementLine | MalformedLine] = []
    for line in parsed:
        report.lines += 1
        chunk.append(line)
        if len(chunk) == CHUNK:
            latest = _later(latest, await _apply_chunk(rail, chunk, report, found, named))
            chunk = []
    if chunk:
        latest = _later(latest, await _apply_chunk(rail, chunk, report, found, named))
    cutoff = as_of or latest
    if cutoff is not None:
        missing = await _missing(rail, cutoff, named)
        found += missing
        if missing:
            report.counts[MISSING_FROM_FILE] += len(missing)
    return await _record(report, found, content_lines=report.lines)


def _later(a: date | None, b: date | None) -> date | None:
    """The later of two optional dates."""
    return b if a is None else a if b is None else max(a, b)


async def _apply_chunk(rail: str, chunk: list[SettlementLine | MalformedLine], report: ImportReport,
                       found: list[NewException], named: set[str]) -> date | None:
    """Judge and apply one chunk of lines (one query for their transfers); the latest value date among them."""
    references = {line.reference for line in chunk if isinstance(line, SettlementLine)}
    ours = {row[0]: _Ours(row[1], row[2], row[3], row[4]) for row in await RailTransfer.filter(
        rail=rail, rail_reference__in=list(references)).values_list("rail_reference", "id", "status", "amount_minor",
                                                                    "currency")} if references else {}
    latest: date | None = None
    for line in chunk:
        if line.reference is not None:
            named.add(line.reference)
        if isinstance(line, MalformedLine):
            report.counts[MALFORMED_LINE] += 1
            found.append(NewException(rail=rail, kind=MALFORMED_LINE, detail=line.problem, reference=line.reference,
                                      line_number=line.line_number, line_text=line.text))
            continue
        latest = _later(latest, line.value_date)
        transfer = ours.get(line.reference)
        verdict = judge(file_status=line.status, amount_minor=line.amount_minor, currency=line.currency,
                        ours=(transfer.status, transfer.amount_minor, transfer.currency) if transfer else None)
        if verdict.exception is not None:
            report.counts[verdict.exception] += 1
            found.append(NewException(
                rail=rail, kind=verdict.exception, detail=verdict.detail, reference=line.reference,
                rail_transfer_id=transfer.id if transfer else None, line_number=line.line_number, line_text=line.text,
                expected_minor=transfer.amount_minor if transfer else None, actual_minor=line.amount_minor,
                currency=transfer.currency if transfer else None, actual_currency=line.currency,
                our_status=transfer.status if transfer else None, file_status=line.status))
            continue
        if not verdict.apply:
            report.counts[UNCHANGED_COUNT] += 1
            continue
        assert transfer is not None
        applied = False
        for outcome in verdict.apply:
            # The one way an outcome is applied (services.rails.outcomes): each exactly once, whoever reports it.
            applied |= await apply_rail_event(RailEvent(rail=rail, reference=line.reference, status=outcome,
                                                        reason_code=line.reason_code)) == APPLIED
        report.counts[APPLIED_COUNT if applied else UNCHANGED_COUNT] += 1
        # Later lines of the file about the same reference see what this one did (RETURNED may be RETURN_UNRECOVERED).
        transfer.status = (await RailTransfer.filter(id=transfer.id).values_list("status", flat=True))[0]
    return latest


async def _missing(rail: str, cutoff: date, named: set[str]) -> list[NewException]:
    """The rail's transfers still SUBMITTED, submitted before the cut-off day, that no line of the file names."""
    start = datetime.combine(cutoff, time.min, tzinfo=timezone.utc)
    rows = await RailTransfer.filter(rail=rail, status="SUBMITTED", submitted_at__lt=start).values_list(
        "rail_reference", "id", "amount_minor", "currency")
    return [NewException(rail=rail, kind=MISSING_FROM_FILE, reference=reference, rail_transfer_id=transfer_id,
                         expected_minor=amount, currency=currency, our_status="SUBMITTED",
                         detail=f"SUBMITTED before {cutoff.isoformat()} and on no line of the file")
            for reference, transfer_id, amount, currency in rows if reference not in named]


async def _record(report: ImportReport, found: list[NewException], *, content_lines: int) -> ImportReport:
    """Record the file and its exceptions in one commit; "already imported" when another import recorded it first."""
    try:
        async with in_transaction() as conn:
            row = await SettlementFile.create(rail=report.rail, sha256=report.sha256, name=report.name[:255],
                                              lines=content_lines, counts={"found": dict(report.counts)},
                                              imported_at=clock.now(), using_db=conn)
            report.new_exceptions = await store_exceptions(found, settlement_file_id=row.id, conn=conn)
            row.counts = {"found": dict(report.counts), "newExceptions": report.new_exceptions}
            await row.save(update_fields=["counts"], using_db=conn)
    except IntegrityError:
        # The same file imported concurrently: its lines were applied once either way, its exceptions by the other.
        report.already_imported, report.new_exceptions = True, 0
        return report
    report.settlement_file_id = row.id
    return report
