"""The simulated rail: behaves like a real one (latency, failures, returns after settlement), deterministic for a seed.

Each transfer's fate is a pure function of the seed and the transfer's id:
a number in [0, 1) below `failure_rate` fails it (a card at once, as a
processor declines; a bank transfer after the latency), the next
`return_rate` of the range settles it and then returns it, the rest settle.
Outcomes are stored as scheduled events (simulated_rail_event) and delivered
when due by the rail jobs, through the same handler as a real rail's callback.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from models import SimulatedRailEvent
from services import clock
from services.rails.config import SimulatedRailSettings
from services.rails.interface import FAILED, RETURNED, SETTLED, RailInstruction, RailSubmission

CARD_DECLINE = "05_DO_NOT_HONOUR"
BANK_FAILURE = "R01_INSUFFICIENT_FUNDS"
BANK_RETURN = "R02_ACCOUNT_CLOSED"


def fate(seed: str, transfer_id: object) -> float:
    """A number in [0, 1) fixed by the seed and the transfer: the same transfer always meets the same fate."""
    digest = hashlib.sha256(f"{seed}:{transfer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class SimulatedRail:
    """A rail that answers like a real one, from its settings (services.rails.config.SimulatedRailSettings)."""

    def __init__(self, name: str = "simulated", settings: SimulatedRailSettings | None = None) -> None:
        self.name = name
        self.settings = settings or SimulatedRailSettings.from_env()

    async def submit(self, instruction: RailInstruction) -> RailSubmission:
        """Accept the transfer with a reference and schedule its outcome (a card decline answers at once)."""
        roll = fate(self.settings.seed, instruction.transfer_id)
        fails = roll < self.settings.failure_rate
        if fails and instruction.source_kind == "CARD":
            return RailSubmission(reference=None, refused_reason=CARD_DECLINE)
        reference = f"sim_{instruction.transfer_id.hex}"
        now = clock.now()
        settles_at = now + timedelta(seconds=self.settings.latency_s)
        if fails:
            await self._schedule(reference, FAILED, BANK_FAILURE, settles_at)
            return RailSubmission(reference=reference)
        await self._schedule(reference, SETTLED, None, settles_at)
        if roll < self.settings.failure_rate + self.settings.return_rate:
            await self._schedule(reference, RETURNED, BANK_RETURN,
                                 settles_at + timedelta(seconds=self.settings.return_latency_s))
        return RailSubmission(reference=reference)

    async def status(self, reference: str) -> str | None:
        """The last outcome delivered for the reference (None: none delivered yet)."""
        event = await SimulatedRailEvent.filter(rail=self.name, rail_reference=reference).exclude(
            delivered_at=None).order_by("-due_at").first()
        return event.status if event else None

    async def _schedule(self, reference: str, status: str, reason: str | None, due_at: object) -> None:
        """Store an outcome to deliver at due_at; a second submission of the same transfer schedules nothing more."""
        try:
            await SimulatedRailEvent.create(rail=self.name, rail_reference=reference, status=status,
                                            reason_code=reason, due_at=due_at)
        except IntegrityError:
            pass  # already scheduled by an earlier submission of this transfer (submission is idempotent)
