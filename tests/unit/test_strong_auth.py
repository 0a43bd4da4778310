"""services.compliance.strong_auth: which postings a rule covers, what meets it, and the checked shape of a pack's rules."""

from __future__ import annotations

import pytest

from auth.auth_methods import AMR_OF_METHOD, AUTH_METHODS, amr_claim, methods_of_amr
from services.compliance.shipped_packs import SHIPPED_PACKS
from services.compliance.strong_auth import (
    BIOMETRIC, FACTOR_CATEGORY, TWO_FACTORS, StrongAuthRule, applicable_rules, check_strong_auth_rules, first_unmet,
    rules_from_document,
)
from services.errors import ValidationFailed

NOW = 1_900_000_000.0
EU = StrongAuthRule(operations=frozenset({"TRANSFER", "WITHDRAWAL"}), above_minor={"EUR": 3_000}, require=TWO_FACTORS,
                    max_age_s=300)
CN = StrongAuthRule(operations=frozenset({"TRANSFER", "WITHDRAWAL"}), above_minor={"CNY": 500_000}, require=BIOMETRIC,
                    max_age_s=120)


def _stored(**overrides):
    rule = {"operations": ["TRANSFER"], "aboveAmounts": {"EUR": 3_000}, "require": "TWO_FACTORS", "maxAgeSeconds": 300}
    return {**rule, **overrides}


# --- which postings a rule covers -------------------------------------------------


def test_a_rule_covers_its_operations_in_its_currencies_strictly_above_the_amount():
    assert not EU.applies(kind="TRANSFER", currency="EUR", amount_minor=3_000)  # 30.00 EUR: the low-value exemption
    assert EU.applies(kind="TRANSFER", currency="EUR", amount_minor=3_001)
    assert EU.applies(kind="WITHDRAWAL", currency="EUR", amount_minor=1_000_000)
    assert not EU.applies(kind="TOP_UP", currency="EUR", amount_minor=1_000_000)
    assert not EU.applies(kind="TRANSFER", currency="USD", amount_minor=1_000_000)  # a currency it does not list
    zero = StrongAuthRule(operations=frozenset({"TRANSFER"}), above_minor={"EUR": 0}, require=BIOMETRIC, max_age_s=60)
    assert zero.applies(kind="TRANSFER", currency="EUR", amount_minor=1)


def test_applicable_rules_keep_the_packs_order():
    assert applicable_rules([CN, EU], kind="TRANSFER", currency="EUR", amount_minor=5_000) == [EU]
    assert applicable_rules([CN, EU], kind="TRANSFER", currency="CNY", amount_minor=500_000) == []
    assert applicable_rules([CN, EU], kind="TRANSFER", currency="CNY", amount_minor=500_001) == [CN]


# --- what meets a rule -------------------------------------------------------------


def test_two_factors_means_two_categories_not_two_methods():
    recent = int(NOW) - 10
    assert not EU.met_by({"PASSWORD", "PIN"}, recent, NOW)  # both knowledge
    assert not EU.met_by({"PASSWORD"}, recent, NOW)
    assert not EU.met_by({"BIOMETRIC"}, recent, NOW)
    assert EU.met_by({"PASSWORD", "DEVICE_BOUND"}, recent, NOW)
    assert EU.met_by({"PIN", "BIOMETRIC"}, recent, NOW)
    assert EU.met_by({"DEVICE_BOUND", "BIOMETRIC"}, recent, NOW)
    assert EU.met_by({"PASSWORD", "PIN", "DEVICE_BOUND"}, recent, NOW)


def test_every_method_has_one_of_the_three_categories():
    assert set(FACTOR_CATEGORY) == set(AUTH_METHODS)
    assert set(FACTOR_CATEGORY.values()) == {"knowledge", "possession", "inherence"}


def test_biometric_means_a_biometric_among_the_methods():
    recent = int(NOW) - 10
    assert CN.met_by({"BIOMETRIC"}, recent, NOW)
    assert CN.met_by({"BIOMETRIC", "PASSWORD"}, recent, NOW)
    assert not CN.met_by({"PASSWORD", "DEVICE_BOUND"}, recent, NOW)  # two factors, but no biometric


def test_an_authentication_older_than_max_age_or_of_unknown_time_meets_nothing():
    assert CN.met_by({"BIOMETRIC"}, int(NOW) - 120, NOW)
    assert not CN.met_by({"BIOMETRIC"}, int(NOW) - 121, NOW)
    assert not CN.met_by({"BIOMETRIC"}, None, NOW)
    assert not EU.met_by({"PASSWORD", "DEVICE_BOUND"}, int(NOW) - 301, NOW)
    assert not EU.met_by(set(), int(NOW), NOW)


def test_first_unmet_names_the_rule_to_satisfy():
    both = [EU, StrongAuthRule(operations=frozenset({"TRANSFER"}), above_minor={"EUR": 100_000}, require=BIOMETRIC,
                               max_age_s=60)]
    recent = int(NOW) - 30
    assert first_unmet(both, {"PASSWORD", "DEVICE_BOUND"}, recent, NOW) is both[1]
    assert first_unmet(both, {"PASSWORD", "BIOMETRIC"}, recent, NOW) is None
    assert first_unmet(both, {"PASSWORD"}, recent, NOW) is both[0]
    assert first_unmet([], set(), None, NOW) is None


def test_the_refusal_names_what_is_needed():
    assert EU.refusal(kind="TRANSFER", currency="EUR") == (
        "this transfer (above 30.00 EUR) needs two authentication factors of different kinds (knowledge: PASSWORD"
        " or PIN; possession: DEVICE_BOUND; inherence: BIOMETRIC) within the last 300 seconds"
    )
    assert CN.refusal(kind="WITHDRAWAL", currency="CNY") == (
        "this withdrawal (above 5000.00 CNY) needs a BIOMETRIC authentication within the last 120 seconds"
    )


# --- the stored shape ----------------------------------------------------------------


def test_a_valid_section_is_stored_sorted_and_read_back():
    stored = check_strong_auth_rules([_stored(operations=["WITHDRAWAL", "TRANSFER"], aboveAmounts={"EUR": 0, "CNY": 10})])
    assert stored == [{"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"CNY": 10, "EUR": 0},
                       "require": "TWO_FACTORS", "maxAgeSeconds": 300}]
    [rule] = rules_from_document(stored)
    assert (rule.operations, rule.above_minor, rule.require, rule.max_age_s) == (
        frozenset({"TRANSFER", "WITHDRAWAL"}), {"CNY": 10, "EUR": 0}, "TWO_FACTORS", 300)
    assert check_strong_auth_rules([]) == [] and rules_from_document(None) == ()


@pytest.mark.parametrize(
    ("section", "field", "words"),
    [
        ([_stored(operations=["CHARGEBACK"])], ["strongAuthentication", "0", "operations", "0"], "unknown operation"),
        ([_stored(operations=[])], ["strongAuthentication", "0", "operations"], "at least one operation"),
        ([_stored(operations=["TRANSFER", "TRANSFER"])], ["strongAuthentication", "0", "operations"], "twice"),
        ([_stored(aboveAmounts={"EUR": -1})], ["strongAuthentication", "0", "aboveAmounts", "EUR"], "from 0"),
        ([_stored(aboveAmounts={"EUR": 1.5})], ["strongAuthentication", "0", "aboveAmounts", "EUR"], "whole number"),
        ([_stored(aboveAmounts={"EUR": None})], ["strongAuthentication", "0", "aboveAmounts", "EUR"], "whole number"),
        ([_stored(aboveAmounts={"XXX": 1})], ["strongAuthentication", "0", "aboveAmounts", "XXX"], "XXX"),
        ([_stored(aboveAmounts={})], ["strongAuthentication", "0", "aboveAmounts"], "at least one currency"),
        ([_stored(require="THREE_FACTORS")], ["strongAuthentication", "0", "require"], "TWO_FACTORS, BIOMETRIC"),
        ([_stored(maxAgeSeconds=29)], ["strongAuthentication", "0", "maxAgeSeconds"], "from 30 to 3600"),
        ([_stored(maxAgeSeconds=3_601)], ["strongAuthentication", "0", "maxAgeSeconds"], "from 30 to 3600"),
        ([_stored(maxAgeSeconds=True)], ["strongAuthentication", "0", "maxAgeSeconds"], "from 30 to 3600"),
        ([_stored(), _stored(colour="red")], ["strongAuthentication", "1"], "unknown part"),
        (["TRANSFER"], ["strongAuthentication", "0"], "an object"),
        ([_stored()] * 21, ["strongAuthentication"], "at most 20"),
        ({"rules": []}, ["strongAuthentication"], "a list"),
    ],
)
def test_a_malformed_section_is_a_validation_error_naming_the_part(section, field, words):
    with pytest.raises(ValidationFailed) as caught:
        check_strong_auth_rules(section)
    assert caught.value.field == field and words in caught.value.message, (caught.value.field, caught.value.message)


def test_the_shipped_packs_rules_are_valid_and_as_documented():
    shipped = {p["jurisdiction"]: check_strong_auth_rules(p["strong_authentication"]) for p in SHIPPED_PACKS}
    assert shipped["EU"] == [{"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"EUR": 3_000},
                              "require": "TWO_FACTORS", "maxAgeSeconds": 300}]
    assert shipped["CN"] == [{"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"CNY": 500_000},
                              "require": "BIOMETRIC", "maxAgeSeconds": 120}]
    assert shipped["DEFAULT"] == []


# --- the token's names for the methods -------------------------------------------------


def test_methods_travel_as_rfc_8176_amr_values_and_back():
    assert AMR_OF_METHOD == {"PASSWORD": "pwd", "PIN": "pin", "BIOMETRIC": "bio", "DEVICE_BOUND": "hwk"}
    assert amr_claim(["PIN", "PASSWORD"]) == ["pin", "pwd"]
    assert methods_of_amr(amr_claim(AUTH_METHODS)) == frozenset(AUTH_METHODS)
    assert methods_of_amr(["pwd", "otp", "sms"]) == frozenset({"PASSWORD"})  # values we do not know grant nothing
