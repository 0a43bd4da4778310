"""Tier limits as pure arithmetic: what an outgoing amount would use, and what is left.

Outgoing totals are kept per customer and currency in one `limit_usage` row,
with a key per period (the day, month and year in the pack's timezone). A
total counts only while its key is the current one, so a new day starts at
zero without any job resetting it. The posting locks that row and checks
these same numbers on it (services.ledger), so concurrent postings cannot
together pass a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.compliance.policies import Pack
from services.compliance.policy_document import Tier, TierLimits
from services.errors import KycRequired, LimitExceeded
from services.money import format_amount

PERIODS: tuple[str, ...] = ("daily", "monthly", "annual", "lifetime")


@dataclass(frozen=True)
class PeriodKeys:
    day: str
    month: str
    year: str


@dataclass(frozen=True)
class Usage:
    """A limit_usage row (all zero when the customer has never sent this currency)."""

    day_key: str = ""
    day_out_minor: int = 0
    month_key: str = ""
    month_out_minor: int = 0
    year_key: str = ""
    year_out_minor: int = 0
    lifetime_out_minor: int = 0

    @staticmethod
    def from_row(row: dict[str, Any] | None) -> "Usage":
        """The usage in a database row (or none yet)."""
        if row is None:
            return Usage()
        return Usage(
            str(row["day_key"]), int(row["day_out_minor"]), str(row["month_key"]), int(row["month_out_minor"]),
            str(row["year_key"]), int(row["year_out_minor"]), int(row["lifetime_out_minor"]),
        )

    def used(self, period: str, keys: PeriodKeys) -> int:
        """What was sent in the current period (a total of an earlier period counts as zero).

        Keys never move backwards: a posting planned just before midnight that
        runs after another has opened the new day counts into the new day
        (its stored key is newer), so it can neither zero nor hide that total.
        """
        if period == "daily":
            return self.day_out_minor if self.day_key >= keys.day else 0
        if period == "monthly":
            return self.month_out_minor if self.month_key >= keys.month else 0
        if period == "annual":
            return self.year_out_minor if self.year_key >= keys.year else 0
        return self.lifetime_out_minor


@dataclass(frozen=True)
class OutgoingLimits:
    """What an outgoing posting must fit in: the sender's tier limits in one currency, for one period."""

    currency: str
    keys: PeriodKeys
    limits: TierLimits
    tier: Tier
    jurisdiction: str

    def cap(self, period: str) -> int | None:
        """The limit of a period (None = unlimited)."""
        return getattr(self.limits, period)


def period_keys(pack: Pack, at: datetime) -> PeriodKeys:
    """The current day, month and year in the pack's timezone (its midnight ends a day)."""
    local = at.astimezone(pack.timezone)
    return PeriodKeys(day=local.strftime("%Y-%m-%d"), month=local.strftime("%Y-%m"), year=local.strftime("%Y"))


def tier_limits(pack: Pack, tier: Tier, currency: str, *, field: str) -> TierLimits:
    """The tier's limits in a currency; a currency the tier does not cover needs other KYC."""
    limits = tier.limits.get(currency)
    if limits is None:
        raise KycRequired(
            f"{tier.name} ({pack.jurisdiction}) does not allow {currency}: the customer needs a tier that covers it",
            field=[field],
        )
    return limits


def check_single(outgoing: OutgoingLimits, amount_minor: int) -> None:
    """The single-transaction maximum (needs no lock)."""
    cap = outgoing.limits.single_max
    if cap is not None and amount_minor > cap:
        raise LimitExceeded(
            f"single-transaction limit: at most {format_amount(cap, outgoing.currency)} {outgoing.currency} at once",
            field=["amount"],
        )


def check_totals(outgoing: OutgoingLimits, usage: Usage, amount_minor: int) -> None:
    """The period totals on the (locked) usage: name the first limit the amount would pass and what remains."""
    for period in PERIODS:
        cap = outgoing.cap(period)
        if cap is None:
            continue
        used = usage.used(period, outgoing.keys)
        if used + amount_minor > cap:
            left = max(cap - used, 0)
            raise LimitExceeded(
                f"{period} limit of {format_amount(cap, outgoing.currency)} {outgoing.currency} exceeded:"
                f" {format_amount(left, outgoing.currency)} {outgoing.currency} remains",
                field=["amount"],
            )


def check_max_balance(cap: int | None, currency: str, balance_after: int, *, field: str) -> None:
    """The receiving wallet's balance after the credit stays within the tier's maximum balance."""
    if cap is not None and balance_after > cap:
        raise LimitExceeded(
            f"maximum balance of {format_amount(cap, currency)} {currency} for this tier would be exceeded",
            field=[field],
        )


def remaining(outgoing: OutgoingLimits, usage: Usage) -> dict[str, int | None]:
    """What the customer may still send in each period (None = unlimited)."""
    out: dict[str, int | None] = {}
    for period in PERIODS:
        cap = outgoing.cap(period)
        out[period] = None if cap is None else max(cap - usage.used(period, outgoing.keys), 0)
    return out
