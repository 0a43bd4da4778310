"""FX arithmetic (services.fx.pricing): exact integer rates, rounding in the bank's favour by under one unit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from services.errors import ValidationFailed
from services.fx.pricing import (
    RATE_SCALE, buy_for_sell, customer_rate, format_rate, inverse_rate, parse_rate, price, sell_for_buy,
)
from services.money import currency_exponent

# Currencies with 0 (JPY, KRW), 2 (USD, EUR, CNY) and 3 (KWD, BHD) decimals.
CURRENCIES = st.sampled_from(["JPY", "KRW", "USD", "EUR", "CNY", "KWD", "BHD"])
RATES = st.integers(min_value=1, max_value=10**14)  # 10^-9 .. 100,000 units per unit
SELLS = st.integers(min_value=1, max_value=10**12)
SPREADS = st.integers(min_value=0, max_value=9_999)


def _exact_buy(sell_minor: int, rate_e9: int, sell: str, buy: str) -> Fraction:
    """The exact product sell x rate in the buy currency's minor unit, as a fraction."""
    return (Fraction(sell_minor, 10 ** currency_exponent(sell)) * Fraction(rate_e9, RATE_SCALE)
            * 10 ** currency_exponent(buy))


def test_rates_parse_exactly_and_refuse_what_they_cannot_hold():
    assert parse_rate("7.1234") == 7_123_400_000
    assert parse_rate("0.000000001") == 1
    assert format_rate(7_123_400_000) == "7.1234" and format_rate(150 * RATE_SCALE) == "150.0"
    for bad in ("0", "-1", "abc", "1e3", "1.0000000001", "", "NaN", "Infinity", "+2"):
        with pytest.raises(ValidationFailed):
            parse_rate(bad)


def test_a_worked_example_usd_to_jpy():
    # 100.00 USD at a mid of 150.25 with a 50 bps spread: customer rate 149.49875, 14,949 JPY (not 14,949.875).
    quoted = price(10_000, parse_rate("150.25"), 50, "USD", "JPY")
    assert (format_rate(quoted.customer_rate_e9), quoted.buy_minor, quoted.mid_buy_minor) == ("149.49875", 14_949, 15_025)
    assert quoted.spread_minor == 76


@settings(max_examples=300, deadline=None)
@given(sell_minor=SELLS, mid=RATES, spread=SPREADS, sell=CURRENCIES, buy=CURRENCIES)
def test_buy_is_floor_of_sell_times_customer_rate_across_decimals(sell_minor, mid, spread, sell, buy):
    quoted = price(sell_minor, mid, spread, sell, buy)
    rate = customer_rate(mid, spread)
    exact = _exact_buy(sell_minor, rate, sell, buy)
    # buy = floor(sell x customer rate) in minor units: at most one minor unit less than the exact product.
    assert quoted.buy_minor == exact.numerator // exact.denominator
    assert 0 <= exact - quoted.buy_minor < 1
    # The customer's rate never beats the mid rate (rounded down, in the bank's favour by less than 10^-9).
    assert rate <= mid and Fraction(mid * (10_000 - spread), 10_000) - rate < 1
    assert 0 <= quoted.spread_minor == quoted.mid_buy_minor - quoted.buy_minor


@settings(max_examples=300, deadline=None)
@given(buy_minor=SELLS, rate=RATES, sell=CURRENCIES, buy=CURRENCIES)
def test_selling_for_a_wanted_buy_amount_sells_the_least_that_buys_it(buy_minor, rate, sell, buy):
    sell_minor = sell_for_buy(buy_minor, rate, sell, buy)
    assert buy_for_sell(sell_minor, rate, sell, buy) >= buy_minor
    assert sell_minor == 0 or buy_for_sell(sell_minor - 1, rate, sell, buy) < buy_minor


@settings(max_examples=200, deadline=None)
@given(rate=st.integers(min_value=1_000, max_value=10**14))
def test_a_derived_inverse_is_one_over_the_rate_rounded_half_up(rate):
    inverse = inverse_rate(rate)
    exact = Fraction(RATE_SCALE * RATE_SCALE, rate)
    assert abs(exact - inverse) <= Fraction(1, 2)
