"""Pure FX arithmetic: exact rates as integers, the customer's rate, and what a sell amount buys. No database.

A rate is stored as rate_e9 = rate x 10^9 (an integer: 9 decimals, never a
float). 1 unit of the base (sell) currency buys rate units of the quote (buy)
currency. Amounts are integers in each currency's minor unit, so converting
also scales by the two currencies' exponents (JPY has 0 decimals, USD 2, KWD 3).

Rounding is always in the bank's favour by less than one unit:
- the customer's rate is the mid rate x (1 - spread), rounded DOWN to 9 decimals;
- the buy amount is floor(sell x customer rate), in the buy currency's minor unit
  (the customer gets at most one minor unit less than the exact product);
- given a wanted buy amount, the sell amount is the smallest whose buy amount
  is at least that (so the customer may get a fraction of a unit more than asked);
- a derived inverse rate (1 / rate) is rounded half up to 9 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from services.errors import ValidationFailed
from services.money import currency_exponent

RATE_DECIMALS = 9
RATE_SCALE = 10**RATE_DECIMALS
MAX_RATE_E9 = 10**18  # a rate below 10^9 (a billion units of quote per unit of base): BIGINT has room to spare
MAX_SPREAD_BPS = 10_000


def parse_rate(text: str, *, field: list[str] | None = None) -> int:
    """A positive decimal string with at most 9 decimals, as rate x 10^9; VALIDATION otherwise (never rounded)."""
    where = field or ["rate"]
    raw = (text or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed("rate must be a decimal number such as 7.1234", field=where) from None
    if not value.is_finite() or value <= 0 or not raw.replace(".", "", 1).isdigit():
        raise ValidationFailed("rate must be a positive decimal number such as 7.1234", field=where)
    scaled = value * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValidationFailed(f"rate has more than {RATE_DECIMALS} decimals", field=where)
    rate_e9 = int(scaled)
    if rate_e9 >= MAX_RATE_E9:
        raise ValidationFailed("rate is too large", field=where)
    return rate_e9


def format_rate(rate_e9: int) -> str:
    """rate x 10^9 as a decimal string without trailing zeros (at least one decimal), e.g. 7123400000 -> "7.1234"."""
    whole, frac = divmod(rate_e9, RATE_SCALE)
    digits = f"{frac:09d}".rstrip("0") or "0"
    return f"{whole}.{digits}"


def inverse_rate(rate_e9: int) -> int:
    """1 / rate, rounded half up to 9 decimals (at least 1: the smallest rate stored)."""
    return max((2 * RATE_SCALE * RATE_SCALE + rate_e9) // (2 * rate_e9), 1)


def customer_rate(mid_e9: int, spread_bps: int) -> int:
    """The rate the customer gets: mid x (1 - spread), rounded down to 9 decimals."""
    if not 0 <= spread_bps < MAX_SPREAD_BPS:
        raise ValueError("spread out of range")
    return mid_e9 * (MAX_SPREAD_BPS - spread_bps) // MAX_SPREAD_BPS


def _scales(sell_currency: str, buy_currency: str) -> tuple[int, int]:
    """(numerator, denominator) that turn sell minor units x rate_e9 into buy minor units."""
    return 10 ** currency_exponent(buy_currency), RATE_SCALE * 10 ** currency_exponent(sell_currency)


def buy_for_sell(sell_minor: int, rate_e9: int, sell_currency: str, buy_currency: str) -> int:
    """floor(sell x rate) in the buy currency's minor unit."""
    num, den = _scales(sell_currency, buy_currency)
    return sell_minor * rate_e9 * num // den


def sell_for_buy(buy_minor: int, rate_e9: int, sell_currency: str, buy_currency: str) -> int:
    """The smallest sell amount (minor units) whose buy_for_sell is at least buy_minor."""
    num, den = _scales(sell_currency, buy_currency)
    return -(-buy_minor * den // (rate_e9 * num))


@dataclass(frozen=True)
class Price:
    """What a sell amount buys at a mid rate less a spread."""

    sell_minor: int
    buy_minor: int  # at the customer's rate, rounded down
    mid_buy_minor: int  # at the mid rate, rounded down: the spread earns the bank mid_buy - buy
    customer_rate_e9: int

    @property
    def spread_minor(self) -> int:
        """What the spread earns the bank, in the buy currency's minor unit."""
        return self.mid_buy_minor - self.buy_minor


def price(sell_minor: int, mid_e9: int, spread_bps: int, sell_currency: str, buy_currency: str) -> Price:
    """The buy amount of a sell amount, at the customer's rate and at the mid rate."""
    rate = customer_rate(mid_e9, spread_bps)
    return Price(
        sell_minor=sell_minor, buy_minor=buy_for_sell(sell_minor, rate, sell_currency, buy_currency),
        mid_buy_minor=buy_for_sell(sell_minor, mid_e9, sell_currency, buy_currency), customer_rate_e9=rate,
    )
