"""Currency codes (services.money): ISO 4217 from the iso4217 library, and the bank's offered set.

Two different refusals, both UNSUPPORTED_CURRENCY: a code that is not ISO 4217
(or an ISO code that is not money: metals, test and special codes), and a real
currency the bank does not open wallets in. The fee schedule and the policy
packs validate through the same function, as VALIDATION errors of their own.
"""

from __future__ import annotations

import iso4217
import pytest

from services.compliance.policy_admin import thresholds_from_input
from services.compliance.policy_document import check_thresholds, check_tiers
from services.errors import UnsupportedCurrency, ValidationFailed
from services.fees.schedule import _known_currency
from services.money import (
    CURRENCY_EXPONENTS,
    OFFERED_CURRENCIES,
    currency_exponent,
    format_amount,
    normalise_currency,
    parse_amount,
)

NOT_ISO = "is not an ISO 4217 currency code"
NOT_MONEY = "is an ISO 4217 code with no minor unit"
NOT_OFFERED = "the bank does not offer wallets in"


def refusal(raw) -> UnsupportedCurrency:
    with pytest.raises(UnsupportedCurrency) as caught:
        normalise_currency(raw)
    assert caught.value.code == "UNSUPPORTED_CURRENCY"
    assert caught.value.field == ["currency"]
    return caught.value


def test_every_offered_currency_is_an_iso_4217_currency_with_the_library_exponent():
    assert len(OFFERED_CURRENCIES) == 39
    assert set(CURRENCY_EXPONENTS) == OFFERED_CURRENCIES
    for code in sorted(OFFERED_CURRENCIES):
        library = iso4217.Currency(code).exponent
        assert isinstance(library, int), code
        assert CURRENCY_EXPONENTS[code] == currency_exponent(code) == library, code


@pytest.mark.parametrize(("code", "exponent"), [("JPY", 0), ("BHD", 3), ("EUR", 2), ("CLP", 0), ("KWD", 3), ("USD", 2)])
def test_exponents_are_the_library_s(code, exponent):
    assert iso4217.Currency(code).exponent == exponent
    assert currency_exponent(code) == exponent


def test_offered_exponents_have_not_changed_under_stored_balances():
    """Balances are stored in minor units: an ISO (library) change of an offered currency's
    exponent would rescale every stored amount in it, so it must fail here, not pass silently."""
    by_exponent = {e: sorted(c for c, x in CURRENCY_EXPONENTS.items() if x == e) for e in set(CURRENCY_EXPONENTS.values())}
    assert by_exponent == {
        0: ["CLP", "ISK", "JPY", "KRW", "VND"],
        2: ["AED", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR",
            "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "USD", "ZAR"],
        3: ["BHD", "JOD", "KWD", "OMR", "TND"],
    }


@pytest.mark.parametrize(
    ("raw", "code"),
    [("EUR", "EUR"), ("eur", "EUR"), ("Jpy", "JPY"), (" cny ", "CNY"), ("\tbhd\n", "BHD"), ("  USD", "USD")],
)
def test_known_codes_are_stripped_and_upper_cased(raw, code):
    assert normalise_currency(raw) == code


@pytest.mark.parametrize(
    "raw", ["", "   ", "ZZZ", "BTC", "RMB", "EURO", "US", "E UR", "U.S", "€", "ＵＳＤ", "usd1", "CNYY", "ABC"]
)
def test_a_code_that_is_not_iso_4217_is_refused_as_unknown(raw):
    assert NOT_ISO in refusal(raw).message


@pytest.mark.parametrize("raw", [None, 12, 9.78, b"USD", ["USD"], {"code": "USD"}, iso4217.Currency("USD")])
def test_a_non_string_is_refused_as_unknown(raw):
    assert NOT_ISO in refusal(raw).message
    with pytest.raises(UnsupportedCurrency):
        currency_exponent(raw)


@pytest.mark.parametrize("raw", ["XTS", "XXX", "xts", " xxx ", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA"])
def test_test_codes_precious_metals_and_codes_without_a_minor_unit_are_refused(raw):
    code = raw.strip().upper()
    assert iso4217.Currency(code).exponent is None  # ISO 4217, but not money
    message = refusal(raw).message
    assert NOT_MONEY in message and code in message


@pytest.mark.parametrize("raw", ["CLF", "BOV", "USN", "XOF", "XCD", "KES", "RUB", "ARS", "LYD", "kes"])
def test_a_real_currency_the_bank_does_not_offer_is_refused_as_not_offered(raw):
    code = raw.upper()
    assert isinstance(iso4217.Currency(code).exponent, int)  # a real ISO 4217 currency (or fund)
    message = refusal(raw).message
    assert NOT_OFFERED in message and code in message and NOT_ISO not in message


def test_the_three_refusals_say_different_things_under_one_code():
    messages = {refusal(raw).message.replace(raw, "?") for raw in ("ZZZ", "XTS", "KES")}
    assert len(messages) == 3


def test_currency_exponent_takes_only_the_canonical_code():
    assert currency_exponent("EUR") == 2
    for raw in ["eur", " EUR", "EUR\n"]:
        with pytest.raises(UnsupportedCurrency):
            currency_exponent(raw)


@pytest.mark.parametrize("code", sorted(OFFERED_CURRENCIES))
def test_every_offered_currency_parses_and_formats_its_smallest_unit_and_a_large_amount(code):
    exponent = currency_exponent(code)
    smallest = "1" if exponent == 0 else "0." + "1".rjust(exponent, "0")
    assert parse_amount(smallest, code) == 1
    assert format_amount(1, code) == smallest
    large = "123456789" + ("." + "9" * exponent if exponent else "")
    assert format_amount(parse_amount(large, code), code) == large
    assert parse_amount(large, code) == 123456789 * 10**exponent + (10**exponent - 1)


@pytest.mark.parametrize("code", ["XTS", "XAU", "KES", "ZZZ"])
def test_amounts_in_a_refused_currency_are_refused(code):
    with pytest.raises(UnsupportedCurrency):
        parse_amount("1", code)
    with pytest.raises(UnsupportedCurrency):
        format_amount(1, code)


# The fee schedule and the policy packs validate through normalise_currency / currency_exponent.


def test_a_fee_rule_currency_is_normalised_or_a_validation_error():
    assert _known_currency(" eur ") == "EUR"
    for raw, message in [("ZZZ", NOT_ISO), ("XAU", NOT_MONEY), ("KES", NOT_OFFERED), (None, NOT_ISO)]:
        with pytest.raises(ValidationFailed) as caught:
            _known_currency(raw)  # type: ignore[arg-type]
        assert caught.value.code == "VALIDATION" and caught.value.field == ["currency"]
        assert message in caught.value.message


def test_a_policy_input_currency_is_normalised_or_a_validation_error():
    assert thresholds_from_input([{"currency": " eur ", "amount": "10"}]) == {"EUR": 1000}
    for raw, message in [("ZZZ", NOT_ISO), ("XTS", NOT_MONEY), ("KES", NOT_OFFERED), (7, NOT_ISO)]:
        with pytest.raises(ValidationFailed) as caught:
            thresholds_from_input([{"currency": raw, "amount": "10"}])
        assert caught.value.field == ["largeTransactionThresholds", "0", "currency"]
        assert message in caught.value.message


def test_a_stored_policy_document_keys_by_exact_offered_codes():
    assert check_thresholds({"JPY": 5}) == {"JPY": 5}
    for raw, message in [("jpy", NOT_ISO), ("XXX", NOT_MONEY), ("KES", NOT_OFFERED)]:
        with pytest.raises(ValidationFailed) as caught:
            check_thresholds({raw: 5})
        assert caught.value.field == ["largeTransactionThresholds", raw]
        assert message in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        check_tiers([{"tier": 1, "name": "One", "crossBorder": False, "limits": {"XAU": {}}}])
    assert caught.value.field == ["tiers", "0", "limits", "XAU"]
    assert NOT_MONEY in caught.value.message
