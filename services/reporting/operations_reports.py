"""The operational reports read straight from their own tables: KYC funnel, AML alerts, support SLA, reconciliation.

These tables grow with customers, alerts and tickets, not with transactions, so
they need no rollup: each report is one grouped query on indexed columns (the
medians are taken in Python from the decided rows of the range).
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise import connections

from auth.principal import Principal
from services import clock
from services.db.sql import as_datetime, fetch
from services.reporting.access import require_reporter
from services.reporting.days import checked_range, start_of
from services.scoping import chosen_partner_clause

AGE_BUCKETS = ((timedelta(days=1), "UNDER_1_DAY"), (timedelta(days=7), "1_TO_7_DAYS"),
               (timedelta(days=30), "7_TO_30_DAYS"))
OLDER = "OVER_30_DAYS"


@dataclass(frozen=True)
class KycFunnel:
    submitted: int
    approved: int
    rejected: int
    pending: int  # still waiting for a decision (PENDING or NEEDS_INFO)
    median_decision_seconds: int | None


@dataclass(frozen=True)
class AlertLine:
    rule: str
    severity: str
    age_bucket: str
    open: int
    total: int


@dataclass(frozen=True)
class SupportSla:
    tickets: int
    first_response_met: int
    first_response_breached: int
    resolved: int
    median_first_response_seconds: int | None


@dataclass(frozen=True)
class ReconciliationOpenLine:
    rail: str
    kind: str
    open: int
    oldest_age_seconds: int


def _bounds(first: date, last: date) -> list[datetime]:
    days = checked_range(first, last)
    return [start_of(days.first), start_of(days.last + timedelta(days=1))]


def _live(alias: str, partner_id: uuid.UUID | None) -> tuple[str, list]:
    chosen, values = chosen_partner_clause(partner_id, f"{alias}.partner_id", 3)
    return f" JOIN partner p ON p.id = {alias}.partner_id AND p.environment = 'LIVE' WHERE 1 = 1{chosen}", values


def _median_seconds(pairs: list[tuple[object, object]]) -> int | None:
    spans = [(as_datetime(end) - as_datetime(start)).total_seconds() for start, end in pairs if end is not None]
    return int(statistics.median(spans)) if spans else None


async def report_kyc_funnel(*, principal: Principal, first: date, last: date,
                            partner_id: uuid.UUID | None = None) -> KycFunnel:
    """KYC submissions made in the range: how many, how they were decided, the median time to a decision."""
    require_reporter(principal)
    join, extra = _live("k", partner_id)
    rows = await fetch(connections.get("default"),
                       f"SELECT k.status, k.submitted_at, k.reviewed_at FROM kyc_submission k{join}"
                       " AND k.submitted_at >= $1 AND k.submitted_at < $2", [*_bounds(first, last), *extra])
    statuses = [row["status"] for row in rows]
    decided = [(row["submitted_at"], row["reviewed_at"]) for row in rows if row["status"] in ("APPROVED", "REJECTED")]
    return KycFunnel(submitted=len(rows), approved=statuses.count("APPROVED"), rejected=statuses.count("REJECTED"),
                     pending=statuses.count("PENDING") + statuses.count("NEEDS_INFO"),
                     median_decision_seconds=_median_seconds(decided))


def _age_bucket(age: timedelta) -> str:
    return next((name for limit, name in AGE_BUCKETS if age < limit), OLDER)


async def report_aml_alerts(*, principal: Principal, first: date, last: date,
                            partner_id: uuid.UUID | None = None) -> list[AlertLine]:
    """AML alerts raised in the range by rule, severity and age (an open alert's age runs on; a closed one's stopped)."""
    require_reporter(principal)
    join, extra = _live("a", partner_id)
    rows = await fetch(connections.get("default"),
                       f"SELECT a.rule, a.severity, a.status, a.created_at, a.resolved_at FROM aml_alert a{join}"
                       " AND a.created_at >= $1 AND a.created_at < $2", [*_bounds(first, last), *extra])
    at = clock.now()
    groups: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        ended = as_datetime(row["resolved_at"]) or at
        key = (row["rule"], row["severity"], _age_bucket(ended - as_datetime(row["created_at"])))
        counts = groups.setdefault(key, [0, 0])
        counts[0] += row["status"] == "OPEN"
        counts[1] += 1
    return [AlertLine(rule=r, severity=s, age_bucket=b, open=o, total=t) for (r, s, b), (o, t) in sorted(groups.items())]


async def report_support_sla(*, principal: Principal, first: date, last: date) -> SupportSla:
    """Support tickets opened in the range against their first-response deadline, and how many were resolved."""
    require_reporter(principal)
    join, extra = _live("s", None)
    rows = await fetch(connections.get("default"),
                       "SELECT s.created_at, s.first_response_due_at, s.first_responded_at, s.resolved_at"
                       f" FROM support_ticket s{join} AND s.created_at >= $1 AND s.created_at < $2",
                       [*_bounds(first, last), *extra])
    at = clock.now()
    met = breached = resolved = 0
    for row in rows:
        due, answered = as_datetime(row["first_response_due_at"]), as_datetime(row["first_responded_at"])
        if answered is not None and answered <= due:
            met += 1
        elif answered is not None or due < at:  # answered late, or not answered and already overdue
            breached += 1
        resolved += row["resolved_at"] is not None
    return SupportSla(tickets=len(rows), first_response_met=met, first_response_breached=breached, resolved=resolved,
                      median_first_response_seconds=_median_seconds(
                          [(row["created_at"], row["first_responded_at"]) for row in rows]))


async def report_reconciliation_open(*, principal: Principal) -> list[ReconciliationOpenLine]:
    """Reconciliation exceptions still open, per rail and kind, with the age of the oldest."""
    require_reporter(principal)
    rows = await fetch(connections.get("default"),
                       "SELECT rail, kind, COUNT(*) AS n, MIN(created_at) AS oldest FROM reconciliation_exception"
                       " WHERE status = 'OPEN' GROUP BY rail, kind ORDER BY rail, kind", [])
    at = clock.now()
    return [ReconciliationOpenLine(rail=row["rail"], kind=row["kind"], open=int(row["n"]),
                                   oldest_age_seconds=max(0, int((at - as_datetime(row["oldest"])).total_seconds())))
            for row in rows]



