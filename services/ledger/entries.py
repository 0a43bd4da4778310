"""Pure double-entry bookkeeping: build the legs of a posting and prove they balance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


class UnbalancedPosting(AssertionError):
    """A posting whose legs do not sum to zero: a programming error, never a user error."""


@dataclass(frozen=True)
class Leg:
    account_id: int
    amount_minor: int  # signed: negative debits, positive credits
    currency: str


def balanced_legs(legs: list[Leg]) -> list[Leg]:
    """Return the legs unchanged if they sum to zero per currency, else raise UnbalancedPosting."""
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.amount_minor == 0:
            raise UnbalancedPosting(f"zero leg on account {leg.account_id}")
        totals[leg.currency] += leg.amount_minor
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced or len(legs) < 2:
        raise UnbalancedPosting(f"posting does not balance: {unbalanced or legs}")
    return legs


def move(*, debit_account_id: int, credit_account_id: int, amount_minor: int, currency: str) -> list[Leg]:
    """The two legs that move a positive amount from one account to another."""
    if amount_minor <= 0:
        raise UnbalancedPosting("a move must be of a positive amount")
    return balanced_legs(
        [
            Leg(account_id=debit_account_id, amount_minor=-amount_minor, currency=currency),
            Leg(account_id=credit_account_id, amount_minor=amount_minor, currency=currency),
        ]
    )
