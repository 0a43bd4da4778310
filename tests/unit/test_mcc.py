"""Merchant category codes (services/payments/mcc.py), from the iso18245 package's data."""

from __future__ import annotations

import re

import pytest

from services.payments.mcc import all_codes, category_name, is_known, is_well_formed


def test_every_code_is_four_digits_with_a_name():
    codes = all_codes()
    assert len(codes) >= 280
    for code, name in codes:
        assert re.fullmatch(r"\d{4}", code), code
        assert name and name == name.strip(), code


def test_no_duplicates_and_in_order():
    codes = [code for code, _ in all_codes()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("code", "word"),
    [
        ("5411", "grocer"), ("5812", "restaurant"), ("5814", "fast food"), ("4111", "commuter"),
        ("4121", "taxi"), ("5999", "retail"), ("7011", "hotel"), ("5541", "service station"),
        ("5912", "drug"), ("4900", "utilities"), ("5311", "department"), ("5732", "electronic"),
        ("5691", "clothing"), ("8062", "hospital"), ("8220", "college"), ("4814", "telecommunication"),
        ("5967", "direct marketing"), ("0742", "veterinary"), ("6012", "financial"),
    ],
)
def test_common_codes_are_known(code, word):
    assert is_known(code)
    assert word in category_name(code).lower()


def test_newer_network_codes_are_known():
    assert category_name("5262") == "Marketplaces"
    assert is_known("5552")


@pytest.mark.parametrize("code", ["0000", "0001", "1234", "3000", "3501", "9100", "9999"])
def test_unknown_and_private_codes(code):
    assert not is_known(code)
    assert category_name(code) is None


@pytest.mark.parametrize("code", ["541", "54111", "54a1", "", " 5411", "٥٤١١", 5411, None])
def test_malformed_codes(code):
    assert not is_well_formed(code)
    assert not is_known(code) and category_name(code) is None


def test_all_codes_returns_a_fresh_list():
    first = all_codes()
    first.clear()
    assert all_codes()
