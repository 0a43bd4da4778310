"""The rails' scheduled work, run by the dispatcher loop of `serve` and `qianbao worker` (safe on several hosts).

Each round hands waiting transfers to their rail and delivers the simulated
rail's due outcomes through the same handler as a real rail's callback.
Every step is a conditional update, so two hosts doing the same round at
once apply each outcome once.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import connections

from models import SimulatedRailEvent
from services import clock
from services.db.sql import execute
from services.rails.interface import RailEvent
from services.rails.outcomes import apply_rail_event
from services.rails.submission import submit_waiting

BATCH = 100
MAX_ROUNDS = 50  # batches per call: a round never runs unbounded, the next sweep goes on


async def deliver_simulated_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Deliver the simulated rail's outcomes that are due, oldest first, `limit` at a time until none is left
    (at most MAX_ROUNDS batches a call); how many were delivered."""
    moment = now or clock.now()
    delivered = 0
    for _ in range(MAX_ROUNDS):
        due = await SimulatedRailEvent.filter(delivered_at=None, due_at__lte=moment).order_by("due_at").limit(limit)
        delivered += await _deliver(due, moment)
        if len(due) < limit:
            break
    return delivered


async def _deliver(due: list[SimulatedRailEvent], moment: datetime) -> int:
    """Deliver these outcomes through the rails' handler and mark each delivered; how many were marked."""
    delivered = 0
    for event in due:
        # Applied first, then marked delivered: a crash in between redelivers it, as a real rail retries a
        # callback, and the outcome handler's own claims make the second delivery change nothing.
        await apply_rail_event(RailEvent(rail=event.rail, reference=event.rail_reference, status=event.status,
                                         reason_code=event.reason_code))
        marked = await execute(connections.get("default"), "UPDATE simulated_rail_event SET delivered_at = $1"
                               " WHERE id = $2 AND delivered_at IS NULL", [moment, event.id])
        delivered += marked
    return delivered


async def run_rail_jobs(*, now: datetime | None = None) -> tuple[int, int]:
    """One round: submit waiting transfers, then deliver due simulated outcomes; (submitted, delivered)."""
    # A backlog drains in one round (up to MAX_ROUNDS batches), not one batch per sweep: the sweep runs every few
    # seconds, so one batch a sweep would cap the rails at a few transfers a second.
    submitted = await submit_waiting(rounds=MAX_ROUNDS)
    delivered = await deliver_simulated_due(now=now)
    return submitted, delivered
