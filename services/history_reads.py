"""Whether planning a posting read what earlier postings change: the customer's posting history.

Planning decides some things from history (services.fees.charging: the monthly free allowance; services.aml.activity:
the AML rules over a wallet's recent transactions). services.ledger.group_commit may write a posting together with
earlier postings of the same customer only when its plan read none of it: a plan that did would not see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_READS: ContextVar[list[str] | None] = ContextVar("history_reads", default=None)


def note_history_read(what: str) -> None:
    """Record that the plan being made read history (nothing when nobody is watching)."""
    reads = _READS.get()
    if reads is not None:
        reads.append(what)


@contextmanager
def watching_history() -> Iterator[list[str]]:
    """Collect, in the returned list, what the code run inside read of the history."""
    reads: list[str] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)
