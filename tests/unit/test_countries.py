"""services.countries: the ISO 3166-1 alpha-2 codes accepted for customers."""

from __future__ import annotations

import pytest

from services.countries import COUNTRY_CODES, is_country


def test_every_code_is_two_upper_case_letters():
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in COUNTRY_CODES)


def test_the_list_has_the_assigned_codes_only():
    assert len(COUNTRY_CODES) == 249  # ISO 3166-1 assigns 249 alpha-2 codes


@pytest.mark.parametrize("code", ["CN", "US", "DE", "AQ", "FO", "GL", "IM", "JE", "GG", "AX", "HK", "TW"])
def test_known_countries_are_accepted(code):
    assert is_country(code)


@pytest.mark.parametrize("code", ["cn", "XX", "EU", "UK", "ZZ", "", "CHN", " CN"])
def test_unassigned_lower_case_and_malformed_codes_are_refused(code):
    assert not is_country(code)
