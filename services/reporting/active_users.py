"""reportActiveUsers: distinct wallets and customers with a posted movement, per day or per calendar month.

Distinct counts do not add up over days, so the rollup keeps each day's active
wallets (report_day_wallet: one row per wallet and day, far fewer than the
transactions) and any range, day or month, is counted over those rows plus the
ledger's rows for the days not rolled, in one statement.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from auth.principal import Principal
from services.db.sql import fetch
from services.scoping import chosen_partner_clause
from services.reporting.access import require_reporter
from services.reporting.days import checked_range
from services.reporting.facts import ACTIVE, raw_sql
from services.reporting.reading import ledger_spans, report_snapshot

DAY, MONTH = "DAY", "MONTH"
_PLACEHOLDER = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class ActiveLine:
    period: str  # "2026-12-05" (DAY) or "2026-12" (MONTH)
    wallets: int
    customers: int


def _shifted(sql: str, offset: int) -> str:
    """The statement with its $n placeholders moved up by offset (to sit after other parts' values)."""
    return _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + offset}", sql)


async def report_active_users(*, principal: Principal, first: date, last: date, period: str = DAY,
                              partner_id: uuid.UUID | None = None) -> list[ActiveLine]:
    """Active wallets and customers per day, or per month (a month counts only its days inside the range)."""
    require_reporter(principal)
    days = checked_range(first, last)
    where, by_partner = chosen_partner_clause(partner_id, "partner_id", 3)
    async with report_snapshot() as conn:
        parts = ["SELECT day, wallet_id, customer_id FROM report_day_wallet WHERE day >= $1 AND day <= $2" + where]
        values: list = [*days.keys, *by_partner]
        for start, end in await ledger_spans(conn, days):
            parts.append("SELECT day, wallet_id, customer_id FROM ("
                         + _shifted(raw_sql(conn, ACTIVE, by_partner=partner_id is not None), len(values)) + ") r")
            values += [start, end, *by_partner]
        grouping = "a.day" if period == DAY else "substr(a.day, 1, 7)"
        rows = await fetch(conn, f"SELECT {grouping} AS period, COUNT(DISTINCT a.wallet_id) AS wallets,"
                                 f" COUNT(DISTINCT a.customer_id) AS customers FROM ({' UNION ALL '.join(parts)}) a"
                                 f" GROUP BY {grouping} ORDER BY 1", values)
    return [ActiveLine(period=row["period"], wallets=int(row["wallets"]), customers=int(row["customers"])) for row in rows]
