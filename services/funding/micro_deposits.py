"""Micro-deposit verification: two random amounts of 0.01 to 0.99, which the customer reads from its statement."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from decimal import Decimal

from services.errors import DomainError
from services.money import currency_exponent, parse_amount

MAX_ATTEMPTS = 3  # the third wrong answer locks the account

_rng: random.Random | None = None  # tests seed this; production draws from `secrets`


def seed_micro_deposits(seed: int | None) -> None:
    """Make the amounts deterministic (tests); None returns to `secrets`."""
    global _rng
    _rng = random.Random(seed) if seed is not None else None


def _cents() -> int:
    """One amount of 1 to 99 hundredths."""
    return _rng.randint(1, 99) if _rng is not None else 1 + secrets.randbelow(99)


def draw_amounts(currency: str) -> list[int]:
    """Two amounts of 0.01 to 0.99 in the currency's minor units (for a currency without decimals, 1 to 99 units)."""
    scale = 10 ** max(currency_exponent(currency) - 2, 0)  # hundredths expressed in minor units
    return [_cents() * scale, _cents() * scale]


def answer_matches(expected: Sequence[int], amounts: Sequence[Decimal | str], currency: str) -> bool:
    """Whether the two given amounts are the two sent, in either order; an unreadable amount is simply wrong."""
    if len(amounts) != 2:
        return False
    try:
        given = sorted(parse_amount(str(amount), currency) for amount in amounts)
    except DomainError:  # a malformed amount is a wrong answer, counted like one
        return False
    return given == sorted(expected)
