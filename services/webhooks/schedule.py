"""The retry schedule: exponential with jitter, first retry within ten seconds, at least 24 hours in all."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

FIRST_RETRY_S = 5.0
GROWTH = 3.0
MAX_DELAY_S = 10 * 3600.0
JITTER = 0.2  # each delay is scaled by a factor in [0.8, 1.2]
MAX_ATTEMPTS = 12  # 1 first try + 11 retries: even at the lowest jitter they span more than 24 h
ENDPOINT_FAILING_DISABLE_AFTER = timedelta(hours=24)  # no success for this long and a delivery gave up: disable


def base_delay_s(attempt: int) -> float:
    """The delay before retry after `attempt` failed attempts (1 -> first retry), without jitter."""
    return min(FIRST_RETRY_S * GROWTH ** (attempt - 1), MAX_DELAY_S)


def next_attempt_at(*, attempt: int, now: datetime, rng: random.Random | None = None) -> datetime | None:
    """When to try again after `attempt` failed attempts, or None when the delivery has used every attempt."""
    if attempt >= MAX_ATTEMPTS:
        return None
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return now + timedelta(seconds=base_delay_s(attempt) * factor)
