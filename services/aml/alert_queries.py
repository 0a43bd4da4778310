"""Reading AML alerts and cases back: bank staff only, newest first.

Alerts are never shown to partners or their customers (a customer must not
be tipped off that the bank is looking): for any caller other than staff,
every query here answers as if there were no alerts at all. Alerts, cases
and notes are handed out as records (AlertRecord, CaseRecord, CaseNoteRecord).
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import AmlAlert, AmlCase, AmlCaseNote
from services.aml.cases import CaseNoteRecord, CaseRecord
from services.aml.records import AlertRecord
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, keyset_page, map_page
from services.scoping import of_chosen_partner, staff_only

ALERT_STATUSES = ("OPEN", "RELEASED", "REJECTED", "DISMISSED")
SEVERITIES = ("LOW", "MEDIUM", "HIGH")
CASE_STATUSES = ("OPEN", "CLOSED")
ENVIRONMENTS = ("LIVE", "SANDBOX")  # a partner's (models.enums.PartnerEnvironment)


def _one_of(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValidationFailed(f"{field} must be one of {', '.join(allowed)}", field=[field])
    return value


async def list_alerts(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    partner_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    environment: str | None = None,
) -> Page[AlertRecord]:
    """Alerts, newest first, optionally filtered by status, severity, partner, customer and the partner's environment."""
    query = staff_only(AmlAlert, principal)
    if _one_of(environment, ENVIRONMENTS, "environment") is not None:
        query = query.filter(partner__environment=environment)
    if _one_of(status, ALERT_STATUSES, "status") is not None:
        query = query.filter(status=status)
    if _one_of(severity, SEVERITIES, "severity") is not None:
        query = query.filter(severity=severity)
    if partner_id is not None:
        query = of_chosen_partner(query, partner_id)
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    page = await keyset_page(query, first=first, after=after, last=last, before=before, newest_first=True)
    return map_page(page, AlertRecord.from_row)


async def get_alert(*, principal: Principal, alert_id: uuid.UUID | None) -> AlertRecord:
    """One alert by id, or NotFound."""
    alert = await staff_only(AmlAlert, principal).get_or_none(id=alert_id) if alert_id else None
    if alert is None:
        raise NotFound("alert not found", field=["id"])
    return AlertRecord.from_row(alert)


async def list_cases(
    *, principal: Principal, first: int | None, after: str | None, status: str | None = None,
    last: int | None = None, before: str | None = None,
) -> Page[CaseRecord]:
    """Cases, newest first, optionally only OPEN or CLOSED ones."""
    query = staff_only(AmlCase, principal)
    if _one_of(status, CASE_STATUSES, "status") is not None:
        query = query.filter(status=status)
    page = await keyset_page(query, first=first, after=after, last=last, before=before, newest_first=True)
    return map_page(page, CaseRecord.from_row)


async def get_case(*, principal: Principal, case_id: uuid.UUID | None, field: str = "id") -> CaseRecord:
    """One case by id, or NotFound."""
    case = await staff_only(AmlCase, principal).get_or_none(id=case_id) if case_id else None
    if case is None:
        raise NotFound("case not found", field=[field])
    return CaseRecord.from_row(case)


async def cases_by_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, CaseRecord]:
    """Several cases in one query, keyed by id (DataLoader batch)."""
    rows = await staff_only(AmlCase, principal).filter(id__in=case_ids)
    return {row.id: CaseRecord.from_row(row) for row in rows}


async def alerts_by_case_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AlertRecord]]:
    """The alerts of several cases in one query, oldest first within each case."""
    rows = await staff_only(AmlAlert, principal).filter(case_id__in=case_ids).order_by("id")
    grouped: dict[uuid.UUID, list[AlertRecord]] = {case_id: [] for case_id in case_ids}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(AlertRecord.from_row(row))  # type: ignore[attr-defined]
    return grouped


async def notes_by_case_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[CaseNoteRecord]]:
    """The notes of several cases (each with its case) in one query, in the order they were written."""
    rows = await staff_only(AmlCaseNote, principal).filter(case_id__in=case_ids).select_related("case").order_by("id")
    grouped: dict[uuid.UUID, list[CaseNoteRecord]] = {case_id: [] for case_id in case_ids}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(CaseNoteRecord.from_row(row, row.case))  # type: ignore[attr-defined]
    return grouped

