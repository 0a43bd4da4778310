"""The card processor interface: it receives a card number and returns an opaque token (or a decline).

The simulated processor is deterministic in its decisions: the numbers in
DECLINED_NUMBERS decline with their reason, every other number gets a token
`tok_sim_<random hex>`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tokenised:
    """The processor's answer: a token, or a decline reason (never both)."""

    token: str | None = None
    decline_reason: str | None = None


class CardProcessor(Protocol):
    async def tokenise(self, *, number: str, expiry_month: int, expiry_year: int, cvv: str | None) -> Tokenised:
        """Exchange a card number for an opaque token, or decline it."""
        ...


# Luhn-valid test numbers the simulated processor declines, with its reason.
DECLINED_NUMBERS: dict[str, str] = {
    "4000000000000002": "DO_NOT_HONOR",
    "4000000000009995": "INSUFFICIENT_FUNDS",
    "5105105105105100": "STOLEN_CARD",
}


class SimulatedCardProcessor:
    """A deterministic stand-in for the card processor (sandbox and tests)."""

    async def tokenise(self, *, number: str, expiry_month: int, expiry_year: int, cvv: str | None) -> Tokenised:
        """Decline the listed test numbers, tokenise every other one."""
        reason = DECLINED_NUMBERS.get(number)
        if reason is not None:
            return Tokenised(decline_reason=reason)
        return Tokenised(token=f"tok_sim_{secrets.token_hex(12)}")


_processor: CardProcessor = SimulatedCardProcessor()


def card_processor() -> CardProcessor:
    """The configured card processor (the simulated one until a real one is wired)."""
    return _processor


def use_card_processor(processor: CardProcessor | None) -> None:
    """Replace the card processor (tests); None restores the simulated one."""
    global _processor
    _processor = processor or SimulatedCardProcessor()
