"""A cap on the subscriptions one partner (or staff member) holds open in this process."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager

from services.errors import LimitExceeded

# Per partner (or staff member) and per process: with N workers a partner may hold up to N × this.
MAX_SUBSCRIPTIONS_PER_OWNER = 100
_open: collections.Counter[str] = collections.Counter()


class TooManySubscriptions(LimitExceeded):
    """The owner already holds the maximum number of live subscriptions."""


def open_slots(owner: str) -> int:
    """How many subscriptions the owner holds open in this process."""
    return _open[owner]


@contextmanager
def slot(owner: str, *, limit: int | None = None) -> Iterator[None]:
    """Hold one of the owner's subscription slots for the block, or raise TooManySubscriptions."""
    cap = MAX_SUBSCRIPTIONS_PER_OWNER if limit is None else limit
    if _open[owner] >= cap:
        raise TooManySubscriptions(f"at most {cap} live subscriptions at once; complete one first")
    _open[owner] += 1
    try:
        yield
    finally:
        _open[owner] -= 1
        if _open[owner] <= 0:
            del _open[owner]
