"""services.funding.bank_rules, micro_deposits, instant verification and the fingerprint: pure checks."""

from __future__ import annotations

import pytest

from services.errors import InvalidBankAccount, UnsupportedCountry, ValidationFailed
from services.funding import micro_deposits
from services.funding.bank_rules import check_bank_account, is_iban_country, masked


def _check(**kw):
    return check_bank_account(**{"country": "DE", "bank_code": None, "account_number": None, "iban": None, **kw})


def test_an_iban_is_compacted_and_its_bic_derived():
    clean = _check(iban="de89 3704 0044 0532 0130 00")
    assert (clean.number, clean.bank_code, clean.currency, clean.last_four) == (
        "DE89370400440532013000", "COBADEFFXXX", "EUR", "3000")


@pytest.mark.parametrize("iban, reason", [
    ("DE89370400440532013001", "check digits"), ("DE8937040044053201300", "length"), ("FR7630006000011234567890189", "DE IBAN"),
])
def test_bad_ibans_name_the_field_and_reason(iban, reason):
    with pytest.raises(InvalidBankAccount, match=reason) as caught:
        _check(iban=iban)
    assert caught.value.field == ["iban"] and iban not in str(caught.value)


def test_us_routing_numbers_need_their_checksum():
    assert _check(country="US", bank_code="011000015", account_number="1234").bank_code == "011000015"
    with pytest.raises(InvalidBankAccount, match="ABA"):
        _check(country="US", bank_code="011000016", account_number="1234")


def test_cn_needs_a_12_digit_cnaps_code_and_10_to_30_digits():
    assert _check(country="CN", bank_code="102100099996", account_number="1" * 30).currency == "CNY"
    for bank_code, number in (("1021000999", "1" * 12), ("102100099996", "1" * 9), ("102100099996", "1" * 31)):
        with pytest.raises(InvalidBankAccount):
            _check(country="CN", bank_code=bank_code, account_number=number)


def test_other_countries_are_unsupported_and_nonsense_is_validation():
    assert is_iban_country("GB") and not is_iban_country("US")
    with pytest.raises(UnsupportedCountry):
        _check(country="JP", bank_code="0001", account_number="1234567")
    with pytest.raises(ValidationFailed):
        _check(country="Q1")


def test_masking_and_micro_deposit_amounts():
    assert masked("1234") == "•••• 1234"
    micro_deposits.seed_micro_deposits(3)
    first = micro_deposits.draw_amounts("USD")
    micro_deposits.seed_micro_deposits(3)
    assert micro_deposits.draw_amounts("USD") == first and all(1 <= m <= 99 for m in first)
    micro_deposits.seed_micro_deposits(None)
    assert micro_deposits.answer_matches([5, 17], ["0.17", "0.05"], "USD")
    assert not micro_deposits.answer_matches([5, 17], ["0.17", "oops"], "USD")
    assert not micro_deposits.answer_matches([5, 17], ["0.17"], "USD")


async def test_the_simulated_instant_check_fails_numbers_ending_in_0000():
    from services.funding.instant_verification import instant_verifier

    assert await instant_verifier().confirm(country="US", bank_code=None, number="12345678")
    assert not await instant_verifier().confirm(country="US", bank_code=None, number="12340000")
