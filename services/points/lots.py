"""Point lots, oldest first: which lots redemptions and expiry have consumed, derived, never stored per lot.

Each earning is a lot (earned - clawed back = its size). Everything that left
the customer's points account except clawbacks (redeemed + expired points)
consumed lots oldest first, so a lot's remaining points follow from the
account's totals: no per-lot write, and a redemption's one conditional
balance update is all the locking it needs (services.points.redeeming).
Pure functions: no database. They are the reference for the sums services.points.holdings computes in SQL (a
customer's whole history of lots is never read into Python on a hot path): tests/integration/
test_points_holding_sums.py checks the two against each other on random lots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lot:
    """One earning as the ledger sees it: its size after clawbacks and when it expires."""

    earned_at: datetime
    expires_at: datetime
    size: int  # earned - clawed back, never below zero


@dataclass(frozen=True)
class LotLeft:
    """A lot and what remains of it."""

    lot: Lot
    remaining: int


def remaining_by_lot(lots: list[Lot], consumed: int) -> list[LotLeft]:
    """What remains of each lot when `consumed` points (redeemed + expired) were taken oldest first."""
    left = []
    for lot in sorted(lots, key=lambda item: (item.earned_at, item.expires_at)):
        take = min(lot.size, max(consumed, 0))
        consumed -= take
        left.append(LotLeft(lot=lot, remaining=lot.size - take))
    return left


def due_to_expire(lots: list[Lot], consumed: int, now: datetime) -> int:
    """The points of lots expired at `now` that nothing has consumed yet (what the expiry sweep takes)."""
    return sum(item.remaining for item in remaining_by_lot(lots, consumed) if item.lot.expires_at <= now)


def expiring_within(lots: list[Lot], consumed: int, now: datetime, until: datetime) -> int:
    """The unconsumed points of lots not yet expired at `now` that expire by `until` (expiringSoon)."""
    return sum(item.remaining for item in remaining_by_lot(lots, consumed) if now < item.lot.expires_at <= until)


def spendable(balance: int, lots: list[Lot], consumed: int, now: datetime) -> int:
    """The points a customer may redeem: the balance less what has expired but the sweep has not yet taken."""
    return max(balance - due_to_expire(lots, consumed, now), 0)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later (the month's last day when it has fewer days)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))
