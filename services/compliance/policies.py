"""Policy packs as the posting path sees them: cached per process, forgotten when a pack or tier changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from models import CompliancePolicy
from services.change_feed import reliable
from services.compliance.policy_document import Tier, tiers_from_document
from services.compliance.strong_auth import StrongAuthRule, rules_from_document
from services.cross_border.policy import NO_RULES, CrossBorderRules
from services.cross_border.policy import rules_from_document as cross_border_rules
from services.caches import POLICY_PACKS

DEFAULT_JURISDICTION = "DEFAULT"


@dataclass(frozen=True)
class Pack:
    jurisdiction: str
    name: str
    countries: tuple[str, ...]
    timezone: ZoneInfo
    thresholds: dict[str, int]
    tiers: tuple[Tier, ...]
    aml_rules: dict[str, dict[str, Any]]
    version: int
    strong_auth: tuple[StrongAuthRule, ...] = ()  # when a posting needs strong customer authentication
    cross_border: CrossBorderRules = NO_RULES  # international transfers (services.cross_border.policy)

    @property
    def lowest_tier(self) -> Tier:
        return self.tiers[0]

    def tier_for(self, kyc_tier: int) -> Tier:
        """The tier a customer is in: the approved tier, or the lowest without approved KYC.

        An approved tier the pack no longer has (the pack was changed) falls to
        the highest tier below it: never to a higher one.
        """
        chosen = self.lowest_tier
        for tier in self.tiers:
            if tier.tier <= kyc_tier:
                chosen = tier
        return chosen

    def has_tier(self, number: int) -> bool:
        """Whether the pack defines this tier number."""
        return any(t.tier == number for t in self.tiers)




def _pack(row: CompliancePolicy) -> Pack:
    return Pack(
        jurisdiction=row.jurisdiction, name=row.name, countries=tuple(row.countries), timezone=ZoneInfo(row.timezone),
        thresholds={k: int(v) for k, v in row.large_transaction_thresholds.items()},
        tiers=tuple(tiers_from_document(row.tiers)), aml_rules=dict(row.aml_rules), version=row.version,
        strong_auth=rules_from_document(row.strong_authentication),
        cross_border=cross_border_rules(row.cross_border),
    )


def _packs() -> dict[str, Pack]:
    """The remembered packs by jurisdiction."""
    return POLICY_PACKS.data  # type: ignore[return-value]


async def all_packs() -> dict[str, Pack]:
    """Every stored pack by jurisdiction (remembered while changes are announced, else checked by version)."""
    if _packs() and reliable():
        return _packs()
    if _packs():
        # Without announcements, a cheap look at the versions tells whether anything changed.
        versions = dict(await CompliancePolicy.all().values_list("jurisdiction", "version"))
        if versions == {j: p.version for j, p in _packs().items()}:
            return _packs()
    rows = await CompliancePolicy.all()
    fresh = {row.jurisdiction: _pack(row) for row in rows}
    POLICY_PACKS.clear()
    POLICY_PACKS.data.update(fresh)
    return fresh


async def pack_for_country(country: str) -> Pack:
    """The pack that governs customers of a country: the one listing it, else DEFAULT."""
    packs = await all_packs()
    for pack in packs.values():
        if country in pack.countries:
            return pack
    if DEFAULT_JURISDICTION not in packs:
        raise RuntimeError("no DEFAULT compliance policy is stored: run `qianbao migrate`")
    return packs[DEFAULT_JURISDICTION]
