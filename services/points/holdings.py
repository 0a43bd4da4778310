"""What a customer holds in a programme: the POINTS account's balance and its lots, as services.points.lots reads them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import as_datetime, as_uuid, fetch
from services.points.lots import Lot


@dataclass(frozen=True)
class Holding:
    """A customer's points account in one programme: its balance, its lots, and what lots have been consumed."""

    account_id: int | None  # None: the customer never earned in the programme
    balance: int
    lots: list[Lot]
    # The customer's funding in the programme's reserve (services.points.reserve), read in the same statement.
    points_account_row_id: uuid.UUID | None = None
    funded_minor: int = 0
    reserve_account_id: int | None = None

    @property
    def consumed(self) -> int:
        """Points redeemed or expired so far: the lots' sizes less what the account holds."""
        return sum(lot.size for lot in self.lots) - self.balance


async def holding(program_id: uuid.UUID, customer_id: uuid.UUID, *, conn: BaseDBAsyncClient | None = None) -> Holding:
    """Read the customer's holding in one statement (inside `conn` when given: after the account was locked there)."""
    sql = f"SELECT {HOLDING_SELECT} {holding_from(1, 2)} ORDER BY l.earned_at, l.id"
    return holding_of(await fetch(conn if conn is not None else connections.get("default"), sql, [program_id, customer_id]))


def holding_of(rows: list[dict[str, Any]]) -> Holding:
    """The holding from its rows (HOLDING_SELECT, the lots oldest first; none: the customer never earned)."""
    if not rows:
        return Holding(account_id=None, balance=0, lots=[])
    lots = [Lot(earned_at=as_datetime(r["earned_at"]), expires_at=as_datetime(r["expires_at"]),  # type: ignore[arg-type]
                size=max(int(r["earned_points"]) - int(r["clawed_points"]), 0))
            for r in rows if r["earned_at"] is not None]  # the LEFT JOIN's one row without a lot: no lots yet
    first = rows[0]
    row_id = first["pa_id"]
    return Holding(account_id=int(first["account_id"]), balance=int(first["balance_minor"]), lots=lots,
                   points_account_row_id=as_uuid(row_id),
                   funded_minor=int(first["funded_minor"]),
                   reserve_account_id=int(first["reserve_account_id"]) if first["reserve_account_id"] is not None else None)


# The POINTS account with its balance and every lot (one row with NULL lot columns when none), and the customer's
# funding with the programme's reserve account (read here, not from the cache of programme rows): what is selected,
# and from where. The caller orders the rows by lot, oldest first.
HOLDING_COLUMNS = ("account_id", "balance_minor", "earned_at", "expires_at", "earned_points", "clawed_points", "lot_id",
                   "pa_id", "funded_minor", "reserve_account_id")
HOLDING_SELECT = ("pa.account_id, a.balance_minor, l.earned_at, l.expires_at, l.earned_points, l.clawed_points,"
                  " l.id AS lot_id, pa.id AS pa_id, pa.funded_minor, p.reserve_account_id")


def holding_from(program_param: int, customer_param: int) -> str:
    """FROM and WHERE of a customer's holding: the programme's and the customer's ids are the numbered parameters."""
    return ("FROM points_account pa JOIN account a ON a.id = pa.account_id JOIN points_program p ON p.id = pa.program_id"
            " LEFT JOIN points_lot l ON l.program_id = pa.program_id AND l.customer_id = pa.customer_id"
            f" WHERE pa.program_id = ${program_param} AND pa.customer_id = ${customer_param}")
