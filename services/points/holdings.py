"""What a customer holds in a programme: the POINTS account's balance and its lots, as services.points.lots reads them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Account, PointsAccount, PointsLot
from services.points.lots import Lot


@dataclass(frozen=True)
class Holding:
    """A customer's points account in one programme: its balance, its lots, and what lots have been consumed."""

    account_id: int | None  # None: the customer never earned in the programme
    balance: int
    lots: list[Lot]

    @property
    def consumed(self) -> int:
        """Points redeemed or expired so far: the lots' sizes less what the account holds."""
        return sum(lot.size for lot in self.lots) - self.balance


async def holding(program_id: uuid.UUID, customer_id: uuid.UUID, *, conn: BaseDBAsyncClient | None = None) -> Holding:
    """Read the customer's holding (inside `conn` when given: after the account was locked there)."""
    row = await PointsAccount.get_or_none(program_id=program_id, customer_id=customer_id)
    if row is None:
        return Holding(account_id=None, balance=0, lots=[])
    account_id = row.account_id  # type: ignore[attr-defined]
    query = Account.filter(id=account_id)
    lots_query = PointsLot.filter(program_id=program_id, customer_id=customer_id)
    if conn is not None:
        query, lots_query = query.using_db(conn), lots_query.using_db(conn)
    balance = (await query.values_list("balance_minor", flat=True))[0]
    lots = [Lot(earned_at=r.earned_at, expires_at=r.expires_at, size=max(r.earned_points - r.clawed_points, 0))
            for r in await lots_query.order_by("earned_at", "id")]
    return Holding(account_id=account_id, balance=int(balance), lots=lots)
