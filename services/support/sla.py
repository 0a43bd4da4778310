"""Support SLA clocks (pure): when a ticket's first response and resolution are due, by priority, and whether
either is breached at a given moment (the moment comes from services.clock).

| priority | first response within | resolution within |
|----------|-----------------------|-------------------|
| URGENT   | 1 hour                | 8 hours           |
| HIGH     | 4 hours               | 24 hours          |
| NORMAL   | 8 hours               | 3 days            |
| LOW      | 24 hours              | 7 days            |

Both clocks run from the ticket's opening, in calendar time (no business hours, no pause while the ticket waits
on the customer). A priority change moves both due times to what the new priority gives from the opening. The
first response is the first reply by bank staff (an internal note is not a response); the resolution is the
ticket becoming RESOLVED or CLOSED (a customer reply to a RESOLVED ticket reopens it and the clock runs again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.support import TicketPriority

SLA_TABLE: dict[TicketPriority, tuple[timedelta, timedelta]] = {
    TicketPriority.URGENT: (timedelta(hours=1), timedelta(hours=8)),
    TicketPriority.HIGH: (timedelta(hours=4), timedelta(hours=24)),
    TicketPriority.NORMAL: (timedelta(hours=8), timedelta(days=3)),
    TicketPriority.LOW: (timedelta(hours=24), timedelta(days=7)),
}


@dataclass(frozen=True)
class DueTimes:
    """When the first response and the resolution are due."""

    first_response: datetime
    resolution: datetime


def due_times(priority: TicketPriority, opened_at: datetime) -> DueTimes:
    """The due times of a ticket of this priority opened at opened_at."""
    first, resolution = SLA_TABLE[priority]
    return DueTimes(first_response=opened_at + first, resolution=opened_at + resolution)


def breached(due: datetime, done_at: datetime | None, now: datetime) -> bool:
    """Whether a clock is breached: done after its due time, or not done and the due time has passed."""
    return (done_at if done_at is not None else now) > due
