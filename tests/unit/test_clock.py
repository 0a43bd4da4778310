"""The one clock: system time by default, settable by tests, always aware UTC."""

from datetime import datetime, timedelta, timezone

import pytest

from services import clock


def test_the_clock_is_the_system_clock_in_utc_by_default():
    before = datetime.now(timezone.utc)
    seen = clock.now()
    assert seen.tzinfo is not None and before <= seen <= datetime.now(timezone.utc)


def test_a_frozen_clock_can_be_moved_and_is_released_after_the_block():
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with clock.frozen_at(moment) as move:
        assert clock.now() == moment
        move(moment + timedelta(minutes=5))
        assert clock.now() == moment + timedelta(minutes=5)
    assert clock.now() > datetime(2026, 1, 1, tzinfo=timezone.utc) and clock.now() != moment


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        with clock.frozen_at(datetime(2030, 1, 1)):
            pass
