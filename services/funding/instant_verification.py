"""Instant bank account verification (method INSTANT): the rail confirms at once that the account exists.

The simulated rail is deterministic: an account number (or IBAN) ending in
0000 fails, every other one passes.
"""

from __future__ import annotations

from typing import Protocol


class InstantVerifier(Protocol):
    async def confirm(self, *, country: str, bank_code: str | None, number: str) -> bool:
        """Whether the rail confirms the account exists and can receive money."""
        ...


class SimulatedInstantVerifier:
    """The simulated rail's instant confirmation: numbers ending in 0000 fail."""

    async def confirm(self, *, country: str, bank_code: str | None, number: str) -> bool:
        """Refuse numbers ending in 0000, confirm every other one."""
        return not number.endswith("0000")


_verifier: InstantVerifier = SimulatedInstantVerifier()


def instant_verifier() -> InstantVerifier:
    """The configured instant verifier (the simulated rail's until a real rail is wired)."""
    return _verifier


def use_instant_verifier(verifier: InstantVerifier | None) -> None:
    """Replace the instant verifier (tests); None restores the simulated one."""
    global _verifier
    _verifier = verifier or SimulatedInstantVerifier()
