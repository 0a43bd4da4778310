"""Cross-border annual quota arithmetic: converting an amount into the quota currency and naming the quota year.

Pure functions, no DB. The caller reads the mid rate (services.fx.rates.mid_rate gives rate_e9: 1 unit of
the sell currency buys rate_e9 / 10^9 units of the quota currency) and locks the usage counter itself.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.money import currency_exponent

RATE_SCALE = 10**9


def to_quota_minor(amount_minor: int, currency: str, quota_currency: str, rate_e9: int) -> int:
    """Convert minor units of currency into minor units of quota_currency, rounding UP (never under-count usage)."""
    if amount_minor < 0:
        raise ValueError("amount_minor must not be negative")
    if currency == quota_currency:
        return amount_minor
    if rate_e9 <= 0:
        raise ValueError("rate_e9 must be positive")
    shift = currency_exponent(quota_currency) - currency_exponent(currency)
    # Integer maths only (money is never a float): numerator / denominator, then ceiling division.
    numerator = amount_minor * rate_e9 * (10**shift if shift > 0 else 1)
    denominator = RATE_SCALE * (10**-shift if shift < 0 else 1)
    return -(-numerator // denominator)


def quota_year(moment: datetime, timezone: str) -> int:
    """The calendar year a transfer counts against, in the policy pack's timezone (not UTC)."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(timezone)).year


def remaining_minor(quota_minor: int, used_minor: int) -> int:
    """What is left of the annual quota (never negative)."""
    return max(quota_minor - used_minor, 0)
