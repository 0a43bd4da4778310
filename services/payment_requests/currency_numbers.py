"""ISO 4217 numeric currency codes (EMVCo tag 53 carries the numeric code, e.g. "156" for CNY)."""

from __future__ import annotations

import iso4217

_NUMERIC: dict[str, str] = {c.code: f"{c.number:03d}" for c in iso4217.Currency if c.number}


def currency_numeric(code: str) -> str:
    """The three-digit ISO 4217 numeric code of an alphabetic one; KeyError for an unknown code."""
    return _NUMERIC[code]
