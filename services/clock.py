"""The one clock: everything that depends on time (expiries, sweeps, SLA clocks, quote validity) asks it.

Production reads the system clock in UTC. Tests set it (`set_clock`, or the
`frozen_at` context manager) so an expiry or a sweep can be tried at an exact
moment without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def system_now() -> datetime:
    """The system clock, in UTC."""
    return datetime.now(timezone.utc)


_clock: Clock = system_now


def now() -> datetime:
    """The current time (aware, UTC) as the process's clock tells it."""
    return _clock()


def set_clock(clock: Clock | None) -> None:
    """Use `clock` from now on (None: the system clock again)."""
    global _clock
    _clock = clock or system_now


@contextmanager
def frozen_at(moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """Within the block the clock shows `moment`; the yielded function moves it (tests only)."""
    if moment.tzinfo is None:
        raise ValueError("the clock keeps aware (UTC) times")
    current = [moment]

    def move(to: datetime) -> None:
        current[0] = to

    set_clock(lambda: current[0])
    try:
        yield move
    finally:
        set_clock(None)
