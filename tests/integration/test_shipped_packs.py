"""services.compliance.shipped_packs: the packs Qianbao ships, valid documents inserted once and never overwritten."""

from __future__ import annotations

from fractions import Fraction

import services.compliance.shipped_packs as shipped
from models import CompliancePolicy
from services.compliance.policy_document import check_aml_rules, check_countries, check_thresholds, check_tiers
from services.compliance.shipped_packs import EU_COUNTRIES, SHIPPED_PACKS, ensure_shipped_packs
from services.countries import is_country
from services.money import CURRENCY_EXPONENTS


def pack(jurisdiction: str) -> dict:
    return next(p for p in SHIPPED_PACKS if p["jurisdiction"] == jurisdiction)


def test_every_shipped_document_passes_the_policy_validators():
    assert [p["jurisdiction"] for p in SHIPPED_PACKS] == ["CN", "EU", "DEFAULT"]
    for p in SHIPPED_PACKS:
        assert check_tiers(p["tiers"]) and check_thresholds(p["large_transaction_thresholds"])
        assert check_countries(p["countries"]) == sorted(p["countries"])
    assert set(check_aml_rules(shipped._AML_RULES)) == set(shipped._AML_RULES)


def test_the_eu_pack_lists_the_27_member_states():
    assert len(EU_COUNTRIES) == len(set(EU_COUNTRIES)) == 27
    assert all(is_country(c) for c in EU_COUNTRIES) and "GB" not in EU_COUNTRIES


def test_amounts_are_stored_in_minor_units():
    assert pack("CN")["large_transaction_thresholds"] == {"CNY": 5_000_000}
    assert pack("CN")["tiers"][0]["limits"] == {"CNY": {"lifetime": 100_000}}
    assert pack("EU")["tiers"][0]["limits"]["EUR"] == {"maxBalance": 15_000, "singleMax": 15_000, "monthly": 15_000}


def test_the_default_pack_converts_dollars_rounding_down_with_exact_fractions():
    tier1 = pack("DEFAULT")["tiers"][0]["limits"]
    assert tier1["USD"]["singleMax"] == 20_000  # 200 USD
    assert tier1["KWD"]["singleMax"] == 60_000  # 200 * 0.3 KWD, three decimals: no float error
    assert tier1["JPY"]["singleMax"] == 28_000  # 200 * 140 JPY, no decimals
    assert tier1["BHD"]["maxBalance"] == 370_000  # 1,000 * 0.37 BHD
    assert "maxBalance" not in pack("DEFAULT")["tiers"][2]["limits"]["USD"]  # no maximum balance once enhanced
    assert set(tier1) <= set(CURRENCY_EXPONENTS)
    assert shipped._minor(Fraction("0.1"), "USD") == 10 and shipped._minor(Fraction("0.009"), "USD") == 0 and shipped._minor(None, "USD") is None


async def test_stored_packs_are_never_inserted_twice(database_url):
    assert await ensure_shipped_packs() == 0  # `migrate` stored them for the session
    for p in SHIPPED_PACKS:
        assert await CompliancePolicy.filter(jurisdiction=p["jurisdiction"]).count() == 1


async def test_a_missing_pack_is_inserted_once(database_url, monkeypatch):
    extra = {**pack("CN"), "jurisdiction": "QA-SHIPPED", "name": "Tests: shipped", "countries": []}
    monkeypatch.setattr(shipped, "SHIPPED_PACKS", (*SHIPPED_PACKS, extra))
    try:
        assert await shipped.ensure_shipped_packs() == 1
        assert await shipped.ensure_shipped_packs() == 0
        row = await CompliancePolicy.get(jurisdiction="QA-SHIPPED")
        assert (row.name, row.countries, row.timezone, row.updated_by) == ("Tests: shipped", [], "Asia/Shanghai", "system:shipped")
        assert row.large_transaction_thresholds == {"CNY": 5_000_000}
        assert set(row.aml_rules) == set(shipped._AML_RULES)
    finally:
        await CompliancePolicy.filter(jurisdiction="QA-SHIPPED").delete()
