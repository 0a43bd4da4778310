"""Reading AML alerts and cases back: bank staff only, newest first.

Alerts are never shown to partners or their customers (a customer must not
be tipped off that the bank is looking): for any caller other than staff,
every query here answers as if there were no alerts at all.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import AmlAlert, AmlCase, AmlCaseNote, Transaction
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, keyset_page
from services.scoping import of_chosen_partner, staff_only

ALERT_STATUSES = ("OPEN", "RELEASED", "REJECTED", "DISMISSED")
SEVERITIES = ("LOW", "MEDIUM", "HIGH")
CASE_STATUSES = ("OPEN", "CLOSED")


def _one_of(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValidationFailed(f"{field} must be one of {', '.join(allowed)}", field=[field])
    return value


async def list_alerts(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    status: str | None = None,
    severity: str | None = None,
    partner_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
) -> Page[AmlAlert]:
    """Alerts, newest first, optionally filtered by status, severity, partner and customer."""
    query = staff_only(AmlAlert, principal)
    if _one_of(status, ALERT_STATUSES, "status") is not None:
        query = query.filter(status=status)
    if _one_of(severity, SEVERITIES, "severity") is not None:
        query = query.filter(severity=severity)
    if partner_id is not None:
        query = of_chosen_partner(query, partner_id)
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    return await keyset_page(query, first=first, after=after, newest_first=True)


async def get_alert(*, principal: Principal, alert_id: uuid.UUID | None) -> AmlAlert:
    """One alert by id, or NotFound."""
    alert = await staff_only(AmlAlert, principal).get_or_none(id=alert_id) if alert_id else None
    if alert is None:
        raise NotFound("alert not found", field=["id"])
    return alert


async def list_cases(
    *, principal: Principal, first: int | None, after: str | None, status: str | None = None
) -> Page[AmlCase]:
    """Cases, newest first, optionally only OPEN or CLOSED ones."""
    query = staff_only(AmlCase, principal)
    if _one_of(status, CASE_STATUSES, "status") is not None:
        query = query.filter(status=status)
    return await keyset_page(query, first=first, after=after, newest_first=True)


async def get_case(*, principal: Principal, case_id: uuid.UUID | None, field: str = "id") -> AmlCase:
    """One case by id, or NotFound."""
    case = await staff_only(AmlCase, principal).get_or_none(id=case_id) if case_id else None
    if case is None:
        raise NotFound("case not found", field=[field])
    return case


async def cases_by_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, AmlCase]:
    """Several cases in one query, keyed by id (DataLoader batch)."""
    rows = await staff_only(AmlCase, principal).filter(id__in=case_ids)
    return {row.id: row for row in rows}


async def alerts_by_case_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AmlAlert]]:
    """The alerts of several cases in one query, oldest first within each case."""
    rows = await staff_only(AmlAlert, principal).filter(case_id__in=case_ids).order_by("id")
    grouped: dict[uuid.UUID, list[AmlAlert]] = {case_id: [] for case_id in case_ids}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)  # type: ignore[attr-defined]
    return grouped


async def notes_by_case_ids(*, principal: Principal, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AmlCaseNote]]:
    """The notes of several cases in one query, in the order they were written."""
    rows = await staff_only(AmlCaseNote, principal).filter(case_id__in=case_ids).order_by("id")
    grouped: dict[uuid.UUID, list[AmlCaseNote]] = {case_id: [] for case_id in case_ids}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)  # type: ignore[attr-defined]
    return grouped


async def transactions_by_ids(*, principal: Principal, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, Transaction]:
    """The transactions alerts point at, in one query, keyed by id (staff only, like the alerts)."""
    rows = await staff_only(Transaction, principal).filter(id__in=transaction_ids)
    return {row.id: row for row in rows}
