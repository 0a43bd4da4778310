"""Live announcements of postings written inside a caller's own transaction wait until that transaction commits.

The engine announces a posting to live subscribers once its write has committed (services.ledger.engine). A
feature that posts inside a larger transaction of its own (a coupon reservation with the payment, an
international transfer with its quota row) would otherwise announce before the money is visible: a subscriber
reading at once would see the old balance and miss the change. Such a caller wraps its transaction in
`announcements_after_commit()`: announcements made inside are published after the block ends normally (the
transaction committed) and dropped if it raises (the transaction rolled back, nothing moved).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from services.live.announce import announce_wallets

_PENDING: ContextVar[list[Any] | None] = ContextVar("live_announcements_after_commit", default=None)


async def announce_committed(txn: Any) -> None:
    """Announce a posting now, or when the enclosing `announcements_after_commit` block has committed."""
    pending = _PENDING.get()
    if pending is None:
        await announce_wallets(txn)
    else:
        pending.append(txn)


@asynccontextmanager
async def announcements_after_commit() -> AsyncIterator[None]:
    """Hold the postings' live announcements made inside until the block (wrapping a transaction) ends normally."""
    outer = _PENDING.get()
    if outer is not None:  # already inside such a block: its end publishes ours too
        yield
        return
    pending: list[Any] = []
    token = _PENDING.set(pending)
    try:
        yield
    finally:
        _PENDING.reset(token)
    for txn in pending:  # only reached when the block did not raise: its transaction committed
        await announce_wallets(txn)
