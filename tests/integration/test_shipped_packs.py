"""services.compliance.shipped_packs: the packs Qianbao ships, valid documents inserted once and never overwritten."""

from __future__ import annotations

from fractions import Fraction

import pytest

import services.compliance.shipped_packs as shipped
from models import CompliancePolicy
from services.compliance.policy_document import check_aml_rules, check_countries, check_thresholds, check_tiers
from services.compliance.standing_channel import announce_standing_changed
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
    assert pack("CN")["tiers"][0]["limits"] == {"CNY": {"maxBalance": 1_000_000, "lifetime": 100_000}}
    assert pack("EU")["tiers"][0]["limits"]["EUR"] == {"maxBalance": 15_000, "singleMax": 15_000, "monthly": 15_000}


def test_the_default_pack_converts_dollars_rounding_down_with_exact_fractions():
    tier1 = pack("DEFAULT")["tiers"][0]["limits"]
    assert tier1["USD"]["singleMax"] == 20_000  # 200 USD
    assert tier1["KWD"]["singleMax"] == 60_000  # 200 * 0.3 KWD, three decimals: no float error
    assert tier1["JPY"]["singleMax"] == 28_000  # 200 * 140 JPY, no decimals
    assert tier1["BHD"]["maxBalance"] == 370_000  # 1,000 * 0.37 BHD
    assert pack("DEFAULT")["tiers"][2]["limits"]["USD"]["maxBalance"] == 100_000_000  # 1,000,000 USD, enhanced
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


def test_every_shipped_tier_caps_the_balance_in_every_currency_it_covers():
    """Issue 19: an unverified Chinese customer accepted a top-up of 999,999,999,999,999.00 CNY (no balance cap)."""
    for p in SHIPPED_PACKS:
        for tier in p["tiers"]:
            for currency, limits in tier["limits"].items():
                assert limits.get("maxBalance") is not None, (p["jurisdiction"], tier["tier"], currency)
    assert pack("CN")["tiers"][0]["limits"]["CNY"]["maxBalance"] == 1_000_000  # Class I: 10,000.00 CNY


async def test_a_stored_pack_the_bank_never_changed_gets_the_new_caps_once_and_an_edited_one_is_kept(database_url):
    row = await CompliancePolicy.get(jurisdiction="CN")
    original = (row.tiers, row.version, row.updated_by)
    uncapped = [{**t, "limits": {c: {**v, "maxBalance": None} for c, v in t["limits"].items()}} for t in row.tiers]
    try:
        await CompliancePolicy.filter(jurisdiction="CN").update(tiers=uncapped, updated_by="system:shipped")
        assert await shipped._give_missing_caps(pack("CN")) == 1
        again = await CompliancePolicy.get(jurisdiction="CN")
        assert again.tiers[0]["limits"]["CNY"]["maxBalance"] == 1_000_000 and again.version == row.version + 1
        assert await shipped._give_missing_caps(pack("CN")) == 0  # once
        await CompliancePolicy.filter(jurisdiction="CN").update(tiers=uncapped, updated_by="staff:someone")
        assert await shipped._give_missing_caps(pack("CN")) == 0  # the bank's own data: kept as it is
        assert (await CompliancePolicy.get(jurisdiction="CN")).tiers[0]["limits"]["CNY"]["maxBalance"] is None
    finally:
        await CompliancePolicy.filter(jurisdiction="CN").update(tiers=original[0], version=original[1], updated_by=original[2])
        await announce_standing_changed()


async def test_an_unverified_chinese_customer_cannot_hold_more_than_class_i_allows(database_url):
    """Issue 19's probe: a top-up of 999,999,999,999,999.00 CNY to an unverified customer was accepted."""
    from services.errors import LimitExceeded
    from services.ledger.posting import post_top_up
    from tests.factories import next_id
    from tests.integration.service_support import holder, new_partner

    bank = await new_partner("cap")
    unverified = await holder(bank, tier=None)
    for amount in ("999999999999999.00", "10000.01"):
        with pytest.raises(LimitExceeded):
            await post_top_up(principal=bank, wallet_id=unverified.wallet_id, amount=amount, idempotency_key=next_id("cap"))
    done = await post_top_up(principal=bank, wallet_id=unverified.wallet_id, amount="10000.00", idempotency_key=next_id("cap"))
    assert done.amount_minor == 1_000_000
    with pytest.raises(LimitExceeded):
        await post_top_up(principal=bank, wallet_id=unverified.wallet_id, amount="0.01", idempotency_key=next_id("cap"))
