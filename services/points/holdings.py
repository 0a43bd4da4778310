"""What a customer holds in a programme: the POINTS account's balance, and what its lots leave expired or expiring.

Why the lots are summed in SQL: a customer earns a lot per paid payment, and every redemption, points payment and
expiry needs what the expired lots still hold. Read lot by lot, that cost grew with the customer's whole history:
15 ms of one process's CPU per read at 1,000 lots, 61 ms at 3,000 (2026-12-08, on PostgreSQL), on every points
payment. One statement now returns the account's row with the two sums, whatever the history's length.

The sums follow services.points.lots (the reference, pure Python): lots are consumed oldest first (earned_at,
then expires_at, then id), so what remains of a lot is its size clamped by what the balance leaves after the lots
newer than it: remaining = max(0, min(size, balance - sizes of the newer lots)). That equals lots.remaining_by_lot's
`size - min(size, max(consumed - sizes of the older lots, 0))` with consumed = all sizes - balance, and needs no
running total from the oldest lot: tests/integration/test_points_holding_sums.py checks the two against each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import as_uuid, fetch, is_postgres


@dataclass(frozen=True)
class Holding:
    """A customer's points account in one programme: its balance, and what its lots leave expired or expiring."""

    account_id: int | None  # None: the customer never earned in the programme
    balance: int
    # Points of lots expired at the read's `now` that nothing has consumed yet (what the expiry sweep takes).
    due_points: int = 0
    # Points of lots not yet expired at `now` that expire by the read's `until` (0 unless asked for).
    expiring_points: int = 0
    # The customer's funding in the programme's reserve (services.points.reserve), read in the same statement.
    points_account_row_id: uuid.UUID | None = None
    funded_minor: int = 0
    reserve_account_id: int | None = None

    @property
    def spendable(self) -> int:
        """The points the customer may redeem: the balance less what has expired but the sweep has not yet taken."""
        return max(self.balance - self.due_points, 0)


async def holding(program_id: uuid.UUID, customer_id: uuid.UUID, *, now: datetime, until: datetime | None = None,
                  conn: BaseDBAsyncClient | None = None) -> Holding:
    """Read the customer's holding at `now` in one statement (inside `conn` when given: after the account was locked
    there); `until`: also the points expiring after `now` and by then."""
    conn = conn if conn is not None else connections.get("default")
    sql = holding_select(is_postgres(conn), program_param=1, customer_param=2, now_param=3, until_param=4)
    return holding_of(await fetch(conn, sql, [program_id, customer_id, now, until or now]))


def holding_of(rows: list[dict[str, Any]]) -> Holding:
    """The holding from its row (HOLDING_COLUMNS; none: the customer never earned)."""
    if not rows:
        return Holding(account_id=None, balance=0)
    row = rows[0]
    return Holding(account_id=int(row["account_id"]), balance=int(row["balance_minor"]),
                   due_points=int(row["due_points"] or 0), expiring_points=int(row["expiring_points"] or 0),
                   points_account_row_id=as_uuid(row["pa_id"]), funded_minor=int(row["funded_minor"]),
                   reserve_account_id=int(row["reserve_account_id"]) if row["reserve_account_id"] is not None else None)


# What holding_select selects: the POINTS account with its balance, the customer's funding with the programme's
# reserve account (read here, not from the cache of programme rows), and the two sums over the lots.
HOLDING_COLUMNS = ("account_id", "balance_minor", "pa_id", "funded_minor", "reserve_account_id", "due_points",
                   "expiring_points")


def _clamped(postgres: bool, value: str, high: str) -> str:
    """`value` kept within 0 and `high` (PostgreSQL's GREATEST/LEAST; SQLite's many-argument MAX/MIN)."""
    return f"GREATEST(0, LEAST({high}, {value}))" if postgres else f"MAX(0, MIN({high}, {value}))"


def holding_select(postgres: bool, *, program_param: int, customer_param: int, now_param: int,
                   until_param: int, leading: str = "") -> str:
    """The SELECT of a customer's holding: one row (none when the customer never earned); the programme's and the
    customer's ids, now and until are the numbered parameters; `leading`: columns selected before the holding's."""
    owner = f"program_id = ${program_param} AND {{alias}}.customer_id = ${customer_param}"
    size = ("GREATEST(l.earned_points - l.clawed_points, 0)" if postgres
            else "MAX(l.earned_points - l.clawed_points, 0)")
    # The balance read again inside the lots' subquery: a subquery in FROM cannot see the outer row without
    # LATERAL, which SQLite lacks (one more lookup by the same unique index).
    balance = (f"(SELECT b.balance_minor FROM points_account bp JOIN account b ON b.id = bp.account_id"
               f" WHERE bp.{owner.format(alias='bp')})")
    # The lots newest first: what the balance leaves for a lot is the balance less the sizes of the lots after it.
    newer = ("COALESCE(SUM(z.size) OVER (ORDER BY z.earned_at DESC, z.expires_at DESC, z.id DESC"
             " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)")
    remaining = _clamped(postgres, f"{balance} - {newer}", "z.size")
    lots = (f"SELECT z.expires_at, {remaining} AS remaining FROM (SELECT l.id, l.earned_at, l.expires_at, {size} AS size"
            f" FROM points_lot l WHERE l.{owner.format(alias='l')}) z")
    sums = (f"SELECT CAST(SUM(CASE WHEN x.expires_at <= ${now_param} THEN x.remaining ELSE 0 END) AS BIGINT) AS due_points,"
            f" CAST(SUM(CASE WHEN x.expires_at > ${now_param} AND x.expires_at <= ${until_param} THEN x.remaining"
            f" ELSE 0 END) AS BIGINT) AS expiring_points FROM ({lots}) x")
    return (f"SELECT {leading}pa.account_id, a.balance_minor, pa.id AS pa_id, pa.funded_minor, p.reserve_account_id,"
            " r.due_points, r.expiring_points"
            " FROM points_account pa JOIN account a ON a.id = pa.account_id JOIN points_program p ON p.id = pa.program_id"
            f" LEFT JOIN ({sums}) r ON 1 = 1 WHERE pa.{owner.format(alias='pa')}")
