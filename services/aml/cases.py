"""AML cases: compliance groups one customer's alerts, assigns an officer, takes notes and closes.

Every change is a conditional UPDATE inside one transaction, so two officers
acting at once cannot both open a case on the same alert or close a case
twice; the audit row (when the caller passes an AuditNote) commits with the
change. A closed case is final: no new notes, no reassignment.

Only compliance (aml:review) decides; the schema enforces it and
services.authority refuses any other caller outright. The services return
plain records (CaseRecord, CaseNoteRecord), never the rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, AmlCase, AmlCaseNote, StaffUser
from services.audit import AuditNote, record_event
from services.authority import require_staff
from services.errors import CaseStateConflict, NotFound, ValidationFailed
from services.outcome import ServiceResult
from services.validation import clean_reason, clean_text

REVIEW_PERMISSION = "aml:review"
ASSIGNEE_ROLE = "compliance"
MAX_ALERTS_PER_CASE = 40  # every alert id fits the audit row's 2000-character detail
MAX_TITLE_CHARS = 200
MAX_NOTE_CHARS = 4000
MAX_CLOSE_REASON_CHARS = 1000
OPEN, CLOSED = "OPEN", "CLOSED"


@dataclass(frozen=True, kw_only=True)
class CaseRecord(ServiceResult):
    """An AML case as the services hand it out (the stored row's fields)."""

    audit_type: ClassVar[str] = "AmlCase"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    title: str
    status: str  # OPEN, CLOSED
    assignee_id: str | None
    opened_by: str
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: AmlCase, *, audited: bool = False) -> CaseRecord:
        """The record of a stored case row."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            title=row.title, status=row.status, assignee_id=row.assignee_id, opened_by=row.opened_by,
            created_at=row.created_at, closed_at=row.closed_at, audited=audited,
        )


@dataclass(frozen=True, kw_only=True)
class CaseNoteRecord(ServiceResult):
    """A note on a case, with the case it was added to."""

    audit_type: ClassVar[str] = "AmlCaseNote"  # a note row has no partner: an unaudited note names no partner

    id: int
    case: CaseRecord
    author_id: str
    text: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: AmlCaseNote, case: AmlCase, *, audited: bool = False) -> CaseNoteRecord:
        """The record of a stored note row of the case."""
        return cls(
            id=row.id, case=CaseRecord.from_row(case), author_id=row.author_id, text=row.text,
            created_at=row.created_at, audited=audited,
        )


async def _audit(audit: AuditNote | None, case: AmlCase, detail: str) -> None:
    if audit is not None:
        await record_event(
            actor=audit.actor, operation=audit.operation, outcome="OK", object_type="AmlCase", object_id=str(case.id),
            request_id=audit.request_id, partner_id=case.partner_id, detail=detail,  # type: ignore[attr-defined]
        )


async def open_case(
    *, principal: Principal, alert_ids: list[uuid.UUID | None], title: str | None, audit: AuditNote | None = None
) -> CaseRecord:
    """Open a case on alerts of one customer that are in no case yet."""
    require_staff(principal, REVIEW_PERMISSION)
    text = clean_text(title, field="title", max_len=MAX_TITLE_CHARS)
    wanted = list(dict.fromkeys(alert_ids))
    if not wanted:
        raise ValidationFailed("a case needs at least one alert", field=["alertIds"])
    if len(wanted) > MAX_ALERTS_PER_CASE:
        raise ValidationFailed(f"a case holds at most {MAX_ALERTS_PER_CASE} alerts", field=["alertIds"])
    if None in wanted:
        raise NotFound("alert not found", field=["alertIds"])
    async with in_transaction():
        alerts = await AmlAlert.filter(id__in=wanted).order_by("id")
        if len(alerts) != len(wanted):
            raise NotFound("alert not found", field=["alertIds"])
        if len({alert.customer_id for alert in alerts}) != 1:  # type: ignore[attr-defined]
            raise ValidationFailed("a case's alerts must all concern one customer", field=["alertIds"])
        if any(alert.case_id is not None for alert in alerts):  # type: ignore[attr-defined]
            raise CaseStateConflict("an alert is already in a case", field=["alertIds"])
        first = alerts[0]
        case = await AmlCase.create(
            partner_id=first.partner_id, customer_id=first.customer_id, title=text,  # type: ignore[attr-defined]
            status=OPEN, opened_by=principal.subject,
        )
        # Conditional: an alert another officer put in a case meanwhile is not taken over.
        claimed = await AmlAlert.filter(id__in=wanted, case_id=None).update(case_id=case.id)
        if claimed != len(wanted):
            raise CaseStateConflict("an alert is already in a case", field=["alertIds"])
        alert_list = ",".join(str(alert.id) for alert in alerts)
        await _audit(audit, case, f"caseId={case.id} customerId={first.customer_id} alertIds={alert_list}")  # type: ignore[attr-defined]
    return CaseRecord.from_row(case, audited=audit is not None)


async def assign_case(
    *, principal: Principal, case_id: uuid.UUID | None, assignee_staff_id: uuid.UUID | None, audit: AuditNote | None = None
) -> CaseRecord:
    """Assign an open case to an active compliance officer."""
    require_staff(principal, REVIEW_PERMISSION)
    assignee = await StaffUser.get_or_none(id=assignee_staff_id) if assignee_staff_id else None
    if assignee is None or not assignee.active or assignee.role != ASSIGNEE_ROLE:
        raise ValidationFailed("the assignee must be an active compliance officer", field=["assigneeId"])
    async with in_transaction():
        case = await _open_case_row(case_id)
        updated = await AmlCase.filter(id=case.id, status=OPEN).update(assignee_id=str(assignee.id))
        if not updated:
            raise CaseStateConflict("the case is closed", field=["caseId"])
        case.assignee_id = str(assignee.id)
        await _audit(audit, case, f"caseId={case.id} assigneeId={assignee.id}")
    return CaseRecord.from_row(case, audited=audit is not None)


async def add_case_note(
    *, principal: Principal, case_id: uuid.UUID | None, text: str | None, audit: AuditNote | None = None
) -> CaseNoteRecord:
    """Append a note (1 to 4000 characters) to an open case; notes are never edited."""
    require_staff(principal, REVIEW_PERMISSION)
    body = clean_text(text, field="text", max_len=MAX_NOTE_CHARS)
    async with in_transaction():
        case = await _open_case_row(case_id)
        note = await AmlCaseNote.create(case=case, author_id=principal.subject, text=body)
        await _audit(audit, case, f"caseId={case.id} noteId={note.id} chars={len(body or '')}")
    return CaseNoteRecord.from_row(note, case, audited=audit is not None)


async def close_case(
    *, principal: Principal, case_id: uuid.UUID | None, reason: str | None, audit: AuditNote | None = None
) -> CaseRecord:
    """Close an open case once every alert in it is resolved; the reason becomes the case's last note."""
    require_staff(principal, REVIEW_PERMISSION)
    text = clean_reason(reason, max_len=MAX_CLOSE_REASON_CHARS)
    async with in_transaction():
        case = await _open_case_row(case_id)
        unresolved = await AmlAlert.filter(case_id=case.id, status=OPEN).count()
        if unresolved:
            raise CaseStateConflict(f"{unresolved} alert(s) of the case are still open", field=["caseId"])
        closed_at = datetime.now(timezone.utc)
        updated = await AmlCase.filter(id=case.id, status=OPEN).update(status=CLOSED, closed_at=closed_at)
        if not updated:
            raise CaseStateConflict("the case is already closed", field=["caseId"])
        note = await AmlCaseNote.create(case=case, author_id=principal.subject, text=f"Case closed: {text}")
        case.status, case.closed_at = CLOSED, closed_at
        await _audit(audit, case, f"caseId={case.id} noteId={note.id} reason={text}")
    return CaseRecord.from_row(case, audited=audit is not None)


async def _open_case_row(case_id: uuid.UUID | None) -> AmlCase:
    """The case (locked on PostgreSQL for the rest of the transaction), if it exists and is open."""
    case = await AmlCase.filter(id=case_id).select_for_update().first() if case_id else None
    if case is None:
        raise NotFound("case not found", field=["caseId"])
    if case.status != OPEN:
        raise CaseStateConflict("the case is closed", field=["caseId"])
    return case
