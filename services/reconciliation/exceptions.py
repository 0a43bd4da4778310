"""Reconciliation exceptions: raised by settlement imports (one OPEN per rail, kind and reference), read and resolved
by bank staff (reconciliation:read, reconciliation:write).

A file imported again, or a corrected one that repeats lines, raises
nothing twice: while an exception is OPEN its `open_key`
("<rail>|<kind>|<reference>", or the line's SHA-256 for a malformed line)
is unique, and inserts that meet it are skipped. Resolving frees the key,
so the same problem found again later is a new exception.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import ReconciliationException
from services import clock
from services.audit import AuditNote, record_event
from services.authority import require_staff
from services.db.sql import execute
from services.errors import NotFound, ReconciliationStateConflict, ValidationFailed
from services.outcome import ServiceResult
from services.pagination import Page, keyset_page, map_page
from services.reconciliation.matching import MALFORMED_LINE
from services.scoping import staff_only
from services.validation import clean_reason

READ_PERMISSION, WRITE_PERMISSION = "reconciliation:read", "reconciliation:write"
STATUSES = ("OPEN", "RESOLVED")
_MAX_LINE_TEXT = 2000  # a line longer than this is kept cut (a well-formed line is far shorter)


@dataclass(frozen=True)
class NewException:
    """An exception an import found, before it is stored."""

    rail: str
    kind: str
    detail: str
    reference: str | None = None
    rail_transfer_id: uuid.UUID | None = None
    line_number: int | None = None
    line_text: str | None = None
    expected_minor: int | None = None
    actual_minor: int | None = None
    currency: str | None = None
    actual_currency: str | None = None
    our_status: str | None = None
    file_status: str | None = None

    def open_key(self) -> str:
        """The key that keeps one OPEN exception per rail, kind and reference (a malformed line: per its text)."""
        if self.kind == MALFORMED_LINE or self.reference is None:
            digest = hashlib.sha256((self.line_text or "").encode()).hexdigest()
            return f"{self.rail}|{self.kind}|line:{digest}"
        return f"{self.rail}|{self.kind}|{self.reference}"


@dataclass(frozen=True, kw_only=True)
class ExceptionRecord(ServiceResult):
    """A reconciliation exception as services hand it out."""

    audit_type: ClassVar[str] = "ReconciliationException"

    id: uuid.UUID
    rail: str
    kind: str
    reference: str | None
    rail_transfer_id: uuid.UUID | None
    settlement_file_id: uuid.UUID | None
    line_number: int | None
    line_text: str | None
    expected_minor: int | None
    actual_minor: int | None
    currency: str | None
    actual_currency: str | None
    our_status: str | None
    file_status: str | None
    detail: str
    status: str
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime
    partner_id: uuid.UUID | None = field(default=None)  # the bank's own object: filed under no partner

    @classmethod
    def from_row(cls, row: ReconciliationException, *, audited: bool = False) -> ExceptionRecord:
        """The record of a stored exception."""
        return cls(audited=audited, **{name: getattr(row, name) for name in _COLUMNS})


_COLUMNS = ("id", "rail", "kind", "reference", "rail_transfer_id", "settlement_file_id", "line_number", "line_text",
            "expected_minor", "actual_minor", "currency", "actual_currency", "our_status", "file_status", "detail",
            "status", "resolution_reason", "resolved_by", "resolved_at", "created_at")
_INSERTED = ("id", "rail", "kind", "reference", "rail_transfer_id", "settlement_file_id", "line_number", "line_text",
             "expected_minor", "actual_minor", "currency", "actual_currency", "our_status", "file_status", "detail",
             "status", "open_key", "created_at")
_ROWS_PER_INSERT = 200  # 18 values a row: well under SQLite's and PostgreSQL's parameter limits


async def store_exceptions(found: list[NewException], *, settlement_file_id: uuid.UUID | None,
                           conn: BaseDBAsyncClient | None = None) -> int:
    """Insert the exceptions an import found, skipping any whose key is already OPEN; how many were new."""
    conn = conn or connections.get("default")
    now, inserted = clock.now(), 0
    for start in range(0, len(found), _ROWS_PER_INSERT):
        chunk = found[start:start + _ROWS_PER_INSERT]
        values: list[object] = []
        rows = []
        for item in chunk:
            base = len(values)
            rows.append("(" + ", ".join(f"${base + i + 1}" for i in range(len(_INSERTED))) + ")")
            values += [uuid.uuid4(), item.rail, item.kind, item.reference, item.rail_transfer_id, settlement_file_id,
                       item.line_number, (item.line_text or "")[:_MAX_LINE_TEXT] if item.line_text is not None else None,
                       item.expected_minor, item.actual_minor, item.currency, item.actual_currency, item.our_status,
                       item.file_status, item.detail[:500], "OPEN", item.open_key()[:400], now]
        # One statement per chunk; the unique open_key skips an exception already OPEN (a repeated line).
        inserted += await execute(
            conn, f"INSERT INTO reconciliation_exception ({', '.join(_INSERTED)}) VALUES {', '.join(rows)}"
                  " ON CONFLICT (open_key) DO NOTHING", values)
    return inserted


def _one_of(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    """The filter value if allowed (None passes), else VALIDATION naming the argument."""
    if value is not None and value not in allowed:
        raise ValidationFailed(f"{name} must be one of {', '.join(allowed)}", field=[name])
    return value


async def list_exceptions(*, principal: Principal, first: int | None, after: str | None, status: str | None = None,
                          rail: str | None = None) -> Page[ExceptionRecord]:
    """Exceptions, newest first, optionally of one status and one rail (bank staff with reconciliation:read)."""
    require_staff(principal, READ_PERMISSION)
    query = staff_only(ReconciliationException, principal)
    if _one_of(status, STATUSES, "status") is not None:
        query = query.filter(status=status)
    if rail is not None:
        query = query.filter(rail=rail)
    page = await keyset_page(query, first=first, after=after, newest_first=True)
    return map_page(page, ExceptionRecord.from_row)


async def get_exception(*, principal: Principal, exception_id: uuid.UUID | None, field: str = "id") -> ExceptionRecord:
    """One exception by id (bank staff with reconciliation:read), or NOT_FOUND."""
    require_staff(principal, READ_PERMISSION)
    row = await staff_only(ReconciliationException, principal).get_or_none(id=exception_id) if exception_id else None
    if row is None:
        raise NotFound("reconciliation exception not found", field=[field])
    return ExceptionRecord.from_row(row)


async def resolve_exception(*, principal: Principal, exception_id: uuid.UUID | None, reason: str | None,
                            audit: AuditNote) -> ExceptionRecord:
    """Mark an OPEN exception RESOLVED with staff's reason (reconciliation:write), audited in the same commit."""
    require_staff(principal, WRITE_PERMISSION)
    text = clean_reason(reason, max_len=1000, min_len=3)
    if exception_id is None:
        raise NotFound("reconciliation exception not found", field=["exceptionId"])
    now = clock.now()
    async with in_transaction() as conn:
        # The conditional update is the claim: of two staff resolving at once, one does it, the other is told.
        claimed = await execute(
            conn, "UPDATE reconciliation_exception SET status = 'RESOLVED', open_key = NULL, resolution_reason = $1,"
                  " resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'OPEN'",
            [text, audit.actor.id[:128], now, exception_id])
        row = await ReconciliationException.get_or_none(id=exception_id).using_db(conn)
        if row is None:
            raise NotFound("reconciliation exception not found", field=["exceptionId"])
        if claimed != 1:
            raise ReconciliationStateConflict("the reconciliation exception is already RESOLVED", field=["exceptionId"])
        # Written with the resolution: a resolution without its audit row cannot commit.
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK",
                           object_type="ReconciliationException", object_id=str(row.id), request_id=audit.request_id,
                           detail=f"exceptionId={row.id} kind={row.kind} rail={row.rail} reason={text}"[:2000])
    return ExceptionRecord.from_row(row, audited=True)
