"""Currencies (ISO 4217 codes and exponents) and exact decimal-string <-> minor-unit conversion.

Money is an integer count of the currency's minor unit. Partners speak decimal
strings such as "12.50"; nothing here ever goes through a float.

Which codes exist, and how many decimals each has, comes from the maintained
`iso4217` package (the ISO 4217 list); which of them the bank opens wallets in
is a business decision, `OFFERED_CURRENCIES` below. Both refusals are
UNSUPPORTED_CURRENCY, with different messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import iso4217

from services.errors import InvalidAmount, UnsupportedCurrency

# ISO 4217 code -> minor-unit exponent, from the library; None for codes with
# no minor unit (precious metals, SDR, XTS test and XXX "no currency" codes).
_ISO_EXPONENTS: Mapping[str, int | None] = MappingProxyType({c.code: c.exponent for c in iso4217.Currency})

# The bank's policy: the ISO 4217 currencies it opens wallets in (the shipped
# policy packs set limits in each). Their exponents come from the library.
OFFERED_CURRENCIES: frozenset[str] = frozenset(
    """
    AED AUD BHD BRL CAD CHF CLP CNY CZK DKK EUR GBP HKD HUF IDR ILS INR ISK JOD JPY
    KRW KWD MXN MYR NOK NZD OMR PHP PLN SAR SEK SGD THB TND TRY TWD USD VND ZAR
    """.split()
)


def _offered_exponents() -> Mapping[str, int]:
    """The library's exponent of each offered currency; refuse to start if one has none (withdrawn from ISO 4217)."""
    exponents = {code: _ISO_EXPONENTS.get(code) for code in sorted(OFFERED_CURRENCIES)}
    missing = [code for code, exponent in exponents.items() if exponent is None]
    if missing:
        raise RuntimeError(f"offered currencies with no ISO 4217 minor unit in iso4217 {iso4217.__version__}: {missing}")
    return MappingProxyType({code: exponent for code, exponent in exponents.items() if exponent is not None})


# Minor-unit exponent of each offered currency (ISO 4217, from the library).
CURRENCY_EXPONENTS: Mapping[str, int] = _offered_exponents()

# A points programme's unit (services.points.units) is a ledger "currency" with exponent 0 on the programme's own
# accounts only, written in lower case there ("pts" for the unit PTS): no ISO 4217 code is lower case, so a points
# unit can never be taken for money, whatever codes ISO adds. Money inputs (parse_amount, normalise_currency)
# never accept one, so wallets, payments and fees stay ISO-only; only format_amount knows it, so a points
# transaction or entry can be shown (whole points).
_POINTS_UNIT_RE = re.compile(r"[a-z]{3,8}")


def is_iso_code(code: Any) -> bool:
    """Whether the code is an ISO 4217 code (offered or not, with or without a minor unit)."""
    return isinstance(code, str) and code in _ISO_EXPONENTS


def is_points_unit(code: Any) -> bool:
    """Whether the code is a points unit as the ledger writes it: 3-8 lower-case letters, no ISO code upper-cased."""
    return isinstance(code, str) and _POINTS_UNIT_RE.fullmatch(code) is not None and not is_iso_code(code.upper())


# Postings are BIGINT minor units; anything larger cannot be stored exactly.
MAX_MINOR = 2**63 - 1

_AMOUNT_RE = re.compile(r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?")
_MAX_AMOUNT_CHARS = 40


def currency_exponent(currency: Any) -> int:
    """The number of decimal places of an offered currency, given as its exact (upper-case) ISO 4217 code.

    UnsupportedCurrency if the code is not ISO 4217, is an ISO code with no
    minor unit (metals, funds without one, XTS, XXX), or names a currency the
    bank does not offer wallets in.
    """
    if isinstance(currency, str) and currency in CURRENCY_EXPONENTS:
        return CURRENCY_EXPONENTS[currency]
    if not isinstance(currency, str) or currency not in _ISO_EXPONENTS:
        message = f"currency {currency!r} is not an ISO 4217 currency code"
    elif _ISO_EXPONENTS[currency] is None:
        message = f"{currency} is an ISO 4217 code with no minor unit (a precious metal, test or special code), not a currency wallets hold"
    else:
        message = f"{currency} is an ISO 4217 currency the bank does not offer wallets in"
    raise UnsupportedCurrency(message, field=["currency"])


def normalise_currency(raw: Any) -> str:
    """Strip and upper-case a currency code, then validate it (currency_exponent); the canonical code."""
    code = raw.strip().upper() if isinstance(raw, str) else raw
    currency_exponent(code)
    return code


def parse_amount(text: str, currency: str, *, field: list[str] | None = None) -> int:
    """Parse a positive decimal string into minor units, refusing anything inexact."""
    field = field or ["amount"]
    exponent = currency_exponent(currency)
    if not isinstance(text, str) or len(text) > _MAX_AMOUNT_CHARS:
        raise InvalidAmount("amount must be a decimal string such as \"12.50\"", field=field)
    match = _AMOUNT_RE.fullmatch(text)  # exact: no trimming (" 12.50" is refused, not guessed)
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
    """Format minor units as a decimal string with exactly the currency's decimals (a points unit: whole points)."""
    exponent = 0 if is_points_unit(currency) else currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if exponent == 0:
        return sign + digits
    digits = digits.rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"
