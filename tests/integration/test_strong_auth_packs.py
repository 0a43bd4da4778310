"""A pack's strong authentication section (written, read, shipped) and the bank's per-partner setting, on the database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import services.compliance.shipped_packs as shipped
from models import CompliancePolicy, Partner
from models.enums import PartnerStrongAuthMode
from services.compliance.partner_strong_auth import set_partner_strong_auth
from services.compliance.policies import pack_for_country
from services.compliance.policy_admin import create_policy, strong_auth_from_input, update_policy
from services.compliance.policy_record import PolicyRecord
from services.compliance.strong_auth import StrongAuthRule
from services.errors import NotFound, ValidationFailed
from tests.integration.service_support import new_partner

QA = "QA-SCA"


def rule_input(**overrides: Any) -> dict[str, Any]:
    rule = {"operations": ["TRANSFER"], "aboveAmounts": [{"currency": "EUR", "amount": "50.00"}],
            "require": "BIOMETRIC", "maxAgeSeconds": 60}
    return {**rule, **overrides}


async def qa_pack() -> PolicyRecord:
    """QA-SCA: Nauru, one unlimited EUR tier, created without a strong authentication section."""
    row = await CompliancePolicy.get_or_none(jurisdiction=QA)
    if row is not None:
        return PolicyRecord.from_row(row)
    return await create_policy(
        jurisdiction=QA, actor="test:sca",
        values={"name": "Tests: SCA", "countries": ["NR"], "timezone": "Pacific/Nauru", "thresholds": [], "aml_rules": {},
                "tiers": [{"tier": 1, "name": "Only", "crossBorder": True, "limits": [{"currency": "EUR"}]}]},
    )


def test_decimal_amounts_become_minor_units_and_bad_ones_name_their_field():
    assert strong_auth_from_input([rule_input(aboveAmounts=[{"currency": "eur", "amount": "0"},
                                                            {"currency": "JPY", "amount": "5000"}])]) == [
        {"operations": ["TRANSFER"], "aboveAmounts": {"EUR": 0, "JPY": 5_000}, "require": "BIOMETRIC", "maxAgeSeconds": 60}]
    for amounts, field in (
        ([{"currency": "EUR", "amount": "-1.00"}], ["strongAuthentication", "0", "aboveAmounts", "0", "amount"]),
        ([{"currency": "EUR", "amount": "1.001"}], ["strongAuthentication", "0", "aboveAmounts", "0", "amount"]),
        ([{"currency": "EUR", "amount": "1"}, {"currency": "EUR", "amount": "2"}], ["strongAuthentication", "0", "aboveAmounts", "1"]),
        ([{"currency": "ZZZ", "amount": "1"}], ["strongAuthentication", "0", "aboveAmounts", "0", "currency"]),
    ):
        with pytest.raises(ValidationFailed) as caught:
            strong_auth_from_input([rule_input(aboveAmounts=amounts)])
        assert caught.value.field == field, (amounts, caught.value.field)


async def test_a_new_pack_has_no_rules_and_an_update_sets_them_for_the_next_posting(database_url):
    created = await qa_pack()
    assert created.strong_authentication == []
    updated = await update_policy(jurisdiction=QA, values={"strong_authentication": [rule_input()]}, actor="test:sca")
    assert updated.strong_authentication == [{"operations": ["TRANSFER"], "aboveAmounts": {"EUR": 5_000},
                                              "require": "BIOMETRIC", "maxAgeSeconds": 60}]
    assert updated.version == created.version + 1
    assert (await pack_for_country("NR")).strong_auth == (
        StrongAuthRule(operations=frozenset({"TRANSFER"}), above_minor={"EUR": 5_000}, require="BIOMETRIC", max_age_s=60),)
    with pytest.raises(ValidationFailed) as caught:
        await update_policy(jurisdiction=QA, values={"strong_authentication": [rule_input(operations=["PAYOUT"])]},
                            actor="test:sca")
    assert caught.value.field == ["strongAuthentication", "0", "operations", "0"]
    assert (await CompliancePolicy.get(jurisdiction=QA)).version == updated.version  # nothing stored
    cleared = await update_policy(jurisdiction=QA, values={"strong_authentication": []}, actor="test:sca")
    assert cleared.strong_authentication == [] and (await pack_for_country("NR")).strong_auth == ()


async def test_a_shipped_pack_stored_before_the_section_existed_gets_it_once(database_url):
    cn = await CompliancePolicy.get(jurisdiction="CN")
    original = (cn.strong_authentication, cn.version, cn.updated_by)
    try:
        await CompliancePolicy.filter(jurisdiction="CN").update(strong_authentication=None)
        assert await shipped.ensure_shipped_packs() == 0
        filled = await CompliancePolicy.get(jurisdiction="CN")
        assert filled.strong_authentication == [{"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"CNY": 500_000},
                                                 "require": "BIOMETRIC", "maxAgeSeconds": 120}]
        assert (filled.version, filled.updated_by) == (cn.version + 1, "system:shipped")
        # The bank's own choice, even "no rules", is never overwritten.
        await CompliancePolicy.filter(jurisdiction="CN").update(strong_authentication=[])
        await shipped.ensure_shipped_packs()
        assert (await CompliancePolicy.get(jurisdiction="CN")).strong_authentication == []
    finally:
        await CompliancePolicy.filter(jurisdiction="CN").update(
            strong_authentication=original[0], version=original[1], updated_by=original[2])
        await shipped.announce_standing_changed()


async def test_the_bank_sets_a_partners_mode(database_url):
    partner = await new_partner("sca-mode")
    assert (await Partner.get(id=partner.partner_id)).strong_auth_mode == PartnerStrongAuthMode.EXEMPT
    result = await set_partner_strong_auth(partner_id=partner.partner_id, mode="REQUIRE_CUSTOMER_TOKEN")
    assert result.mode == PartnerStrongAuthMode.REQUIRE_CUSTOMER_TOKEN and result.partner.id == partner.partner_id
    assert result.audit_target().object_id == str(partner.partner_id)
    assert (await Partner.get(id=partner.partner_id)).strong_auth_mode == PartnerStrongAuthMode.REQUIRE_CUSTOMER_TOKEN
    with pytest.raises(ValidationFailed) as caught:
        await set_partner_strong_auth(partner_id=partner.partner_id, mode="SOMETIMES")
    assert caught.value.field == ["mode"]
    with pytest.raises(NotFound):
        await set_partner_strong_auth(partner_id=uuid.uuid4(), mode="EXEMPT")
