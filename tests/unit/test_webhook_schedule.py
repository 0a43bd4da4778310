"""services.webhooks.schedule: first retry within ten seconds, exponential with jitter, at least 24 hours in all."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from services.webhooks import schedule
from services.webhooks.schedule import MAX_ATTEMPTS, next_attempt_at

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def uniform(self, a: float, b: float) -> float:
        return self.value


def total_span(rng: random.Random) -> timedelta:
    now, attempt = T0, 1
    while (retry := next_attempt_at(attempt=attempt, now=now, rng=rng)) is not None:
        now, attempt = retry, attempt + 1
    assert attempt == MAX_ATTEMPTS
    return now - T0


def test_first_retry_within_ten_seconds_even_at_the_highest_jitter():
    for value in (-schedule.JITTER, 0.0, schedule.JITTER):
        first = next_attempt_at(attempt=1, now=T0, rng=Fixed(value))
        assert timedelta(seconds=3) <= first - T0 <= timedelta(seconds=10)


def test_the_retries_span_at_least_a_day_at_the_lowest_jitter():
    assert total_span(Fixed(-schedule.JITTER)) >= timedelta(hours=24)
    assert total_span(Fixed(schedule.JITTER)) <= timedelta(hours=48)


def test_delays_grow_exponentially_then_cap():
    delays = [schedule.base_delay_s(n) for n in range(1, MAX_ATTEMPTS)]
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    assert delays[1] == delays[0] * schedule.GROWTH and delays[-1] == schedule.MAX_DELAY_S


def test_jitter_spreads_the_retries():
    rng = random.Random(42)
    seen = {next_attempt_at(attempt=3, now=T0, rng=rng) for _ in range(20)}
    assert len(seen) > 10
    base = schedule.base_delay_s(3)
    assert all(base * 0.8 <= (s - T0).total_seconds() <= base * 1.2 for s in seen)


def test_no_retry_after_the_last_attempt():
    assert next_attempt_at(attempt=MAX_ATTEMPTS, now=T0) is None
