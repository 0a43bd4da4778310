"""Currencies (ISO 4217 exponents) and exact decimal-string <-> minor-unit conversion.

Money is an integer count of the currency's minor unit. Partners speak decimal
strings such as "12.50"; nothing here ever goes through a float.
"""

from __future__ import annotations

import re

from services.errors import InvalidAmount, UnsupportedCurrency

# ISO 4217 minor-unit exponents of the currencies the bank offers wallets in.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2,
    "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2,
    "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2,
    "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2, "SAR": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "USD": 2, "VND": 0, "ZAR": 2,
}

# Postings are BIGINT minor units; anything larger cannot be stored exactly.
MAX_MINOR = 2**63 - 1

_AMOUNT_RE = re.compile(r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?")
_MAX_AMOUNT_CHARS = 40


def currency_exponent(currency: str) -> int:
    """The number of decimal places of a supported currency, or UnsupportedCurrency."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise UnsupportedCurrency(f"currency {currency!r} is not supported", field=["currency"]) from None


def normalise_currency(raw: str) -> str:
    """Upper-case and validate a currency code; raise UnsupportedCurrency if unknown."""
    code = (raw or "").strip().upper()
    currency_exponent(code)
    return code


def parse_amount(text: str, currency: str, *, field: list[str] | None = None) -> int:
    """Parse a positive decimal string into minor units, refusing anything inexact."""
    field = field or ["amount"]
    exponent = currency_exponent(currency)
    if not isinstance(text, str) or len(text) > _MAX_AMOUNT_CHARS:
        raise InvalidAmount("amount must be a decimal string such as \"12.50\"", field=field)
    match = _AMOUNT_RE.fullmatch(text.strip())
    if match is None:
        raise InvalidAmount(f"amount {text!r} is not a positive decimal number", field=field)
    whole, frac = match.group("int"), match.group("frac") or ""
    if len(frac) > exponent:
        frac_digits = frac.rstrip("0")
        if len(frac_digits) > exponent:
            raise InvalidAmount(
                f"{currency} allows at most {exponent} decimal places, got {text!r}", field=field
            )
        frac = frac_digits
    minor = int(whole) * 10**exponent + int(frac.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise InvalidAmount("amount must be greater than zero", field=field)
    if minor > MAX_MINOR:
        raise InvalidAmount("amount is larger than the ledger can hold", field=field)
    return minor


def format_amount(minor: int, currency: str) -> str:
    """Format minor units as a decimal string with exactly the currency's decimals."""
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if exponent == 0:
        return sign + digits
    digits = digits.rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"
