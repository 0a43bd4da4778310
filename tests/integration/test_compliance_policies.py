"""services.compliance.policies: packs as the posting path sees them, and which pack governs a country."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

import services.compliance.policies as policies
from models import CompliancePolicy
from services.caches import POLICY_PACKS
from services.compliance.policies import DEFAULT_JURISDICTION, Pack, all_packs, pack_for_country
from services.compliance.policy_document import Tier, check_tiers
from services.compliance.standing_channel import announce_standing_changed

TIERS = (Tier(1, "Low", False, {}), Tier(2, "Mid", False, {}), Tier(4, "High", True, {}))
PACK = Pack(jurisdiction="QA", name="Tests", countries=("FR",), timezone=ZoneInfo("UTC"), thresholds={}, tiers=TIERS,
            aml_rules={}, version=1)


def test_a_customer_without_approved_kyc_is_in_the_lowest_tier():
    assert PACK.lowest_tier.tier == 1
    assert PACK.tier_for(0).tier == 1


def test_an_approved_tier_the_pack_no_longer_has_falls_to_the_highest_below_it():
    assert [PACK.tier_for(n).tier for n in (1, 2, 3, 4, 9)] == [1, 2, 2, 4, 4]


def test_has_tier_names_only_defined_tiers():
    assert [n for n in range(6) if PACK.has_tier(n)] == [1, 2, 4]


async def test_each_country_gets_its_pack_and_the_rest_the_default(database_url):
    assert (await pack_for_country("CN")).jurisdiction == "CN"
    assert (await pack_for_country("DE")).jurisdiction == "EU"
    assert (await pack_for_country("FR")).jurisdiction == "EU"
    for other in ("US", "BR", "JP"):
        assert (await pack_for_country(other)).jurisdiction == DEFAULT_JURISDICTION
    cn = await pack_for_country("CN")
    assert cn.timezone == ZoneInfo("Asia/Shanghai")
    assert [t.tier for t in cn.tiers] == [1, 2, 3]
    assert cn.thresholds == {"CNY": 5_000_000}


async def test_without_a_default_pack_the_database_needs_migrating(database_url, monkeypatch):
    cn = await pack_for_country("CN")

    async def only_cn() -> dict[str, Pack]:
        return {"CN": cn}

    monkeypatch.setattr(policies, "all_packs", only_cn)
    assert (await policies.pack_for_country("CN")).jurisdiction == "CN"
    with pytest.raises(RuntimeError, match="qianbao migrate"):
        await policies.pack_for_country("US")


async def test_a_changed_pack_is_read_again_when_announced_or_when_its_version_moved(database_url, monkeypatch):
    await CompliancePolicy.create(
        jurisdiction="QA-POLICIES", name="Tests: policies v1", countries=["TV"], timezone="UTC",
        large_transaction_thresholds={}, aml_rules={},
        tiers=check_tiers([{"tier": 1, "name": "Only", "crossBorder": False, "limits": {"USD": {"daily": 10_000}}}]),
    )
    try:
        await announce_standing_changed()
        assert (await pack_for_country("TV")).name == "Tests: policies v1"
        assert "QA-POLICIES" in POLICY_PACKS.data

        # A process that does not hear announcements compares versions: same version, the remembered pack.
        monkeypatch.setattr(policies, "reliable", lambda: False)
        await CompliancePolicy.filter(jurisdiction="QA-POLICIES").update(name="Tests: policies renamed quietly")
        assert (await all_packs())["QA-POLICIES"].name == "Tests: policies v1"
        # A new version: everything is read again.
        await CompliancePolicy.filter(jurisdiction="QA-POLICIES").update(name="Tests: policies v2", version=2)
        fresh = await all_packs()
        assert (fresh["QA-POLICIES"].name, fresh["QA-POLICIES"].version) == ("Tests: policies v2", 2)
        assert POLICY_PACKS.data["QA-POLICIES"].version == 2
    finally:
        await CompliancePolicy.filter(jurisdiction="QA-POLICIES").delete()
        await announce_standing_changed()
    monkeypatch.undo()
    assert "QA-POLICIES" not in await all_packs()
