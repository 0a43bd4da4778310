"""The one rail interface: hand a transfer to a rail, ask its status; its outcome comes back as a RailEvent.

A bank plugs in its own rail by implementing `Rail` and registering it
(services.rails.registry). Outcomes reach services.rails.outcomes either from
the authenticated callback route (api/rail_callbacks.py) or, for the
simulated rail, from its scheduled events: one handler, whatever the source.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

IN, OUT = "IN", "OUT"
SETTLED, FAILED, RETURNED = "SETTLED", "FAILED", "RETURNED"
OUTCOMES = (SETTLED, FAILED, RETURNED)


@dataclass(frozen=True)
class RailInstruction:
    """What a rail is asked to carry: money IN from, or OUT to, a funding source."""

    transfer_id: uuid.UUID
    direction: str  # IN or OUT
    source_kind: str  # BANK_ACCOUNT or CARD
    source_id: uuid.UUID
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class RailSubmission:
    """The rail's answer to a submission: its reference, or an immediate refusal with the rail's reason."""

    reference: str | None
    refused_reason: str | None = None


@dataclass(frozen=True)
class RailEvent:
    """An outcome a rail reports for one of its references."""

    rail: str
    reference: str
    status: str  # SETTLED, FAILED or RETURNED
    reason_code: str | None = None


class Rail(Protocol):
    """A payment rail: submit a transfer (answer at once with a reference or a refusal), tell a reference's status."""

    name: str

    async def submit(self, instruction: RailInstruction) -> RailSubmission:
        """Hand a transfer to the rail (called outside any database transaction: a slow rail holds no lock)."""
        ...

    async def status(self, reference: str) -> str | None:
        """The last outcome the rail reported for a reference (None: none yet)."""
        ...
