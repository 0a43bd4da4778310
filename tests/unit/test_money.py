"""Decimal strings <-> minor units, per currency exponent (services.money)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.errors import InvalidAmount, UnsupportedCurrency
from services.money import (
    CURRENCY_EXPONENTS,
    MAX_MINOR,
    currency_exponent,
    format_amount,
    normalise_currency,
    parse_amount,
)

PROPERTY = settings(derandomize=True, database=None, max_examples=300, deadline=None)


def test_exponents_follow_iso_4217():
    assert {c: currency_exponent(c) for c in ("CNY", "USD", "EUR", "JPY", "KWD")} == {
        "CNY": 2, "USD": 2, "EUR": 2, "JPY": 0, "KWD": 3,
    }


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "CNY", 1250),
        ("12.5", "CNY", 1250),
        ("12", "CNY", 1200),
        ("0.01", "CNY", 1),
        ("1", "USD", 100),
        ("999.99", "EUR", 99999),
        ("007.10", "USD", 710),
        ("1", "JPY", 1),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0.001", "KWD", 1),
        ("5", "KWD", 5000),
        ("5.1", "KWD", 5100),
    ],
)
def test_valid_amounts_parse_exactly(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.500", "CNY", 1250),
        ("12.5000000", "USD", 1250),
        ("12.0", "JPY", 12),
        ("12.000", "JPY", 12),
        ("1.2340", "KWD", 1234),
    ],
)
def test_trailing_zeros_beyond_the_exponent_are_exact_and_accepted(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.501", "CNY"), ("0.001", "USD"), ("1.5", "JPY"), ("100.01", "JPY"), ("1.2345", "KWD"), ("0.0001", "KWD")],
)
def test_more_decimals_than_the_currency_allows_is_refused_not_rounded(text, currency):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text, currency)
    assert caught.value.code == "INVALID_AMOUNT"
    assert caught.value.field == ["amount"]


@pytest.mark.parametrize("text", ["0", "0.00", "0.000", "000", "0.0000000"])
@pytest.mark.parametrize("currency", ["CNY", "JPY", "KWD"])
def test_zero_is_refused(text, currency):
    with pytest.raises(InvalidAmount):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    "text",
    [
        "-1", "-12.50", "+1", "- 1",  # signs
        "abc", "1a", "1.2.3", "1,00", "1 000", "12.50 CNY", "$12", "0x10", "１２", "١٢",  # not plain ASCII decimals
        "", " ", "\t\n", ".", "1.", ".5",  # empty, whitespace, half numbers
        "1e3", "1E2", "1.5e1", "NaN", "nan", "inf", "Infinity",  # exponents and float spellings
    ],
)
def test_non_decimal_text_is_refused(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text, "CNY")


@pytest.mark.parametrize("value", [None, 12, 12.5, Decimal("12.5"), b"12.50"])
def test_non_string_input_is_refused(value):
    with pytest.raises(InvalidAmount):
        parse_amount(value, "CNY")  # type: ignore[arg-type]


def test_the_largest_bigint_is_accepted_and_one_more_is_refused():
    assert parse_amount(str(MAX_MINOR), "JPY") == MAX_MINOR == 2**63 - 1
    assert parse_amount("92233720368547758.07", "CNY") == MAX_MINOR
    assert parse_amount("9223372036854775.807", "KWD") == MAX_MINOR
    for text, currency in [(str(2**63), "JPY"), ("92233720368547758.08", "CNY"), ("9223372036854775.808", "KWD")]:
        with pytest.raises(InvalidAmount):
            parse_amount(text, currency)


def test_huge_and_overlong_amounts_are_refused():
    for text in ["9" * 30, "1" + "0" * 100, "1." + "0" * 200]:
        with pytest.raises(InvalidAmount):
            parse_amount(text, "CNY")


@pytest.mark.parametrize("currency", ["XXX", "cny", "", "CNYY", "BTC"])
def test_unknown_currency_is_unsupported(currency):
    with pytest.raises(UnsupportedCurrency) as caught:
        parse_amount("1.00", currency)
    assert caught.value.code == "UNSUPPORTED_CURRENCY"
    with pytest.raises(UnsupportedCurrency):
        format_amount(100, currency)


def test_normalise_currency_upper_cases_known_codes_and_refuses_others():
    assert normalise_currency(" cny ") == "CNY"
    assert normalise_currency("kwd") == "KWD"
    for raw in ["", "zzz", None]:
        with pytest.raises(UnsupportedCurrency):
            normalise_currency(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1250, "CNY", "12.50"),
        (1, "CNY", "0.01"),
        (0, "USD", "0.00"),
        (100, "EUR", "1.00"),
        (1500, "JPY", "1500"),
        (0, "JPY", "0"),
        (1234, "KWD", "1.234"),
        (1, "KWD", "0.001"),
        (-1250, "CNY", "-12.50"),
        (-1, "KWD", "-0.001"),
        (MAX_MINOR, "CNY", "92233720368547758.07"),
    ],
)
def test_format_amount_writes_exactly_the_currency_decimals(minor, currency, text):
    assert format_amount(minor, currency) == text


@PROPERTY
@given(minor=st.integers(min_value=1, max_value=MAX_MINOR), currency=st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_format_then_parse_round_trips(minor, currency):
    text = format_amount(minor, currency)
    assert parse_amount(text, currency) == minor
    assert Decimal(text) == Decimal(minor).scaleb(-currency_exponent(currency))


@PROPERTY
@given(
    whole=st.integers(min_value=0, max_value=10**12),
    frac=st.text(alphabet="0123456789", max_size=6),
    currency=st.sampled_from(["CNY", "USD", "EUR", "JPY", "KWD"]),
)
def test_parse_is_exact_or_refuses(whole, frac, currency):
    text = f"{whole}.{frac}" if frac else str(whole)
    exact = Decimal(text).scaleb(currency_exponent(currency))
    if exact != exact.to_integral_value() or exact == 0:
        with pytest.raises(InvalidAmount):
            parse_amount(text, currency)
    else:
        minor = parse_amount(text, currency)
        assert minor == int(exact)
        assert Decimal(format_amount(minor, currency)) == Decimal(text)


@pytest.mark.parametrize("text", [" 12.50", "12.50 ", "\t1", "1\n", "\u00a012.50", "12.50\u200b", " "])
def test_amounts_with_surrounding_space_are_refused_not_trimmed(text):
    """The decimal format is exact: whitespace around an amount is refused (issue 19), never silently trimmed."""
    with pytest.raises(InvalidAmount):
        parse_amount(text, "CNY")
    assert parse_amount("12.50", "CNY") == 1250
