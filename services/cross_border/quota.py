"""The per-person annual cross-border quota on the database: the year's lock row and what the year has used.

A transfer locks the customer's row of the quota year (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one
writer) and only then reads what the year used: the quota amounts of the customer's international transfers of
that year whose rail transfer did not FAIL and was not RETURNED. So a failed or returned transfer gives its quota
back without a second write, and two concurrent transfers of one person are counted one after the other.
"""

from __future__ import annotations

import uuid

from tortoise import connections

from services.db.sql import execute, fetch, is_postgres
from services.errors import CrossBorderQuotaExceeded
from services.money import format_amount

_INSERT = ("INSERT INTO cross_border_quota_usage (id, customer_id, quota_year, created_at) VALUES ($1, $2, $3, $4)"
           " ON CONFLICT (customer_id, quota_year) DO NOTHING")
_USED = ("SELECT COALESCE(SUM(it.quota_minor), 0) AS used FROM international_transfer it"
         " JOIN rail_transfer rt ON rt.id = it.rail_transfer_id"
         " WHERE it.customer_id = $1 AND it.quota_year = $2 AND rt.status NOT IN ('FAILED', 'RETURNED')")


async def lock_quota_year(customer_id: uuid.UUID, year: int, now: object) -> None:
    """Lock the customer's row of the quota year inside the caller's transaction (creating it once)."""
    conn = connections.get("default")
    await execute(conn, _INSERT, [uuid.uuid4(), customer_id, year, now])
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    await fetch(conn, f"SELECT id FROM cross_border_quota_usage WHERE customer_id = $1 AND quota_year = $2{lock}",
                [customer_id, year])


async def used_minor(customer_id: uuid.UUID, year: int) -> int:
    """What the customer's transfers of the year count against the quota (failed and returned ones do not)."""
    rows = await fetch(connections.get("default"), _USED, [customer_id, year])
    return int(rows[0]["used"])


def check_quota(*, used: int, adding: int, quota_minor: int, currency: str) -> None:
    """CROSS_BORDER_QUOTA_EXCEEDED unless used + adding stays within the quota."""
    if used + adding > quota_minor:
        left = max(quota_minor - used, 0)
        raise CrossBorderQuotaExceeded(
            f"this transfer counts {format_amount(adding, currency)} {currency} against the annual cross-border quota"
            f" of {format_amount(quota_minor, currency)} {currency}; {format_amount(left, currency)} {currency} is"
            " left this year", field=["quoteId"])
