"""Point lots, pure: redemption and expiry consume the oldest first; what is due, spendable and expiring soon."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.points.lots import Lot, add_months, due_to_expire, expiring_within, remaining_by_lot, spendable

D = datetime(2031, 1, 31, 10, 0, tzinfo=timezone.utc)


def lot(day: int, size: int, months: int = 1) -> Lot:
    earned = D + timedelta(days=day)
    return Lot(earned_at=earned, expires_at=add_months(earned, months), size=size)


def test_consumption_takes_the_oldest_lots_first_whatever_their_order():
    a, b, c = lot(0, 30), lot(5, 50), lot(9, 20)
    left = remaining_by_lot([c, a, b], consumed=40)
    assert [(x.lot, x.remaining) for x in left] == [(a, 0), (b, 40), (c, 20)]
    assert [x.remaining for x in remaining_by_lot([a, b, c], consumed=0)] == [30, 50, 20]
    assert [x.remaining for x in remaining_by_lot([a, b, c], consumed=100)] == [0, 0, 0]


def test_due_spendable_and_expiring_soon():
    a, b = lot(0, 30), lot(20, 50)  # a expires 2031-02-28 (31 Jan + 1 month, clamped), b 2031-03-20
    assert a.expires_at == datetime(2031, 2, 28, 10, 0, tzinfo=timezone.utc)
    after_a = datetime(2031, 3, 1, tzinfo=timezone.utc)
    assert due_to_expire([a, b], consumed=10, now=after_a) == 20
    assert due_to_expire([a, b], consumed=40, now=after_a) == 0  # a was used up by redemptions
    assert spendable(balance=70, lots=[a, b], consumed=10, now=after_a) == 50
    assert spendable(balance=70, lots=[a, b], consumed=10, now=D) == 70
    assert expiring_within([a, b], consumed=10, now=D, until=D + timedelta(days=30)) == 20
    assert expiring_within([a, b], consumed=10, now=D, until=D + timedelta(days=60)) == 70


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(datetime(2031, 1, 31, tzinfo=timezone.utc), 1).day == 28
    assert add_months(datetime(2032, 1, 31, tzinfo=timezone.utc), 1).day == 29
    assert add_months(datetime(2031, 11, 15, tzinfo=timezone.utc), 3) == datetime(2032, 2, 15, tzinfo=timezone.utc)
    assert add_months(datetime(2031, 5, 10, tzinfo=timezone.utc), 12) == datetime(2032, 5, 10, tzinfo=timezone.utc)
