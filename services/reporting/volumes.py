"""reportVolumes: posted money movements per day, partner, kind and currency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from auth.principal import Principal
from services.reporting.access import require_reporter
from services.reporting.days import checked_range
from services.reporting.facts import VOLUME
from services.reporting.reading import read_fact, report_snapshot


@dataclass(frozen=True)
class VolumeLine:
    day: date
    partner_id: uuid.UUID
    kind: str
    currency: str
    count: int
    amount_minor: int


async def report_volumes(*, principal: Principal, first: date, last: date,
                         partner_id: uuid.UUID | None = None) -> list[VolumeLine]:
    """How many transactions were posted, and how much they moved, per day, partner, kind and currency."""
    require_reporter(principal)
    days = checked_range(first, last)
    async with report_snapshot() as conn:
        rows = await read_fact(conn, VOLUME, days, partner_id)
    lines = [VolumeLine(day=date.fromisoformat(r["day"]), partner_id=r["partner_id"], kind=r["kind"],
                        currency=r["currency"], count=r["txn_count"], amount_minor=r["amount_minor"]) for r in rows]
    return sorted(lines, key=lambda line: (line.day, str(line.partner_id), line.kind, line.currency))
