"""The policy packs Qianbao ships with: China (PBOC account classes), EU e-money (PSD2), and a conservative default.

They are inserted when missing (`ensure_shipped_packs`, run by `migrate` and
at start-up) and never overwritten: once stored, a pack is the bank's data,
changed only by `compliancePolicyUpdate` (admin, audited). Amounts below are
whole units of each currency; they are stored in minor units.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from tortoise.expressions import F

from models import CompliancePolicy
from services.compliance.policy_document import check_aml_rules, check_thresholds, check_tiers
from services.compliance.standing_channel import announce_standing_changed
from services.compliance.strong_auth import check_strong_auth_rules
from services.cross_border.policy import SHIPPED_SECTIONS, check_cross_border
from services.money import CURRENCY_EXPONENTS

EU_COUNTRIES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)

# Roughly how many units of each currency make one US dollar, rounded down,
# so that the default pack's limits are never looser than their dollar amount
# (exact fractions: 0.3 KWD, never a float).
_UNITS_PER_USD: dict[str, Fraction] = {code: Fraction(rate) for code, rate in {
    "AED": "3.6", "AUD": "1.5", "BHD": "0.37", "BRL": "5", "CAD": "1.3", "CHF": "0.85", "CLP": "900", "CNY": "7",
    "CZK": "22", "DKK": "6.5", "EUR": "0.9", "GBP": "0.75", "HKD": "7.7", "HUF": "350", "IDR": "15000", "ILS": "3.6",
    "INR": "83", "ISK": "135", "JOD": "0.7", "JPY": "140", "KRW": "1300", "KWD": "0.3", "MXN": "17", "MYR": "4.4",
    "NOK": "10", "NZD": "1.6", "OMR": "0.38", "PHP": "55", "PLN": "3.9", "SAR": "3.7", "SEK": "10", "SGD": "1.3",
    "THB": "35", "TND": "3.1", "TRY": "30", "TWD": "31", "USD": "1", "VND": "24000", "ZAR": "18",
}.items()}


def _minor(units: int | Fraction | None, currency: str) -> int | None:
    """Whole or fractional units of a currency in its minor units, rounded down."""
    return None if units is None else math.floor(units * 10 ** CURRENCY_EXPONENTS[currency])


def _limits(currency: str, **units: int | Fraction | None) -> dict[str, dict[str, int | None]]:
    return {currency: {kind: _minor(amount, currency) for kind, amount in units.items()}}


def _default_limits(**usd: int | None) -> dict[str, dict[str, int | None]]:
    """The same dollar limits in every supported currency."""
    out: dict[str, dict[str, int | None]] = {}
    for code, rate in _UNITS_PER_USD.items():
        out |= _limits(code, **{k: None if v is None else v * rate for k, v in usd.items()})
    return out


# Parameters of the AML rules (amounts are basis points of the pack's
# large-transaction threshold, so one rule set fits every currency).
_AML_RULES: dict[str, dict[str, Any]] = {
    "LARGE_TRANSACTION": {"severity": "MEDIUM", "action": "ALERT"},
    "VELOCITY": {"severity": "MEDIUM", "action": "ALERT", "maxCount": 20, "windowMinutes": 60},
    "STRUCTURING": {"severity": "HIGH", "action": "HOLD", "minCount": 3, "windowHours": 24, "bandBps": 1_000},
    "RAPID_PASS_THROUGH": {"severity": "HIGH", "action": "HOLD", "windowMinutes": 30, "minShareBps": 9_000, "amountBps": 2_000},
    "NEW_ACCOUNT_HIGH_VALUE": {"severity": "MEDIUM", "action": "HOLD", "accountAgeDays": 7, "amountBps": 5_000},
    "DORMANT_REACTIVATION": {"severity": "LOW", "action": "ALERT", "dormantDays": 180},
}

# Strong customer authentication (services.compliance.strong_auth). Amounts in whole units.
#
# EU, PSD2 (RTS 2018/389): a remote electronic payment needs two factors of
# different categories (art. 4), except a low-value one of at most 30 EUR
# (art. 16, whose cumulative 100 EUR / five-payment counter the bank may add
# later); the authentication code is valid for at most 5 minutes (art. 4(3)(d)).
_EU_STRONG_AUTH = [
    {"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"EUR": 30}, "require": "TWO_FACTORS", "maxAgeSeconds": 300},
]
# China: PBOC's rules for online payments by payment institutions cap what a
# customer may pay a day on weaker verification (1,000 CNY with one factor,
# 5,000 CNY with two but no certificate); above 5,000 CNY in one payment we
# ask for a fresh biometric check, at most 2 minutes old.
_CN_STRONG_AUTH = [
    {"operations": ["TRANSFER", "WITHDRAWAL"], "aboveAmounts": {"CNY": 5_000}, "require": "BIOMETRIC", "maxAgeSeconds": 120},
]


def _strong_auth(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**rule, "aboveAmounts": {c: _minor(a, c) for c, a in rule["aboveAmounts"].items()}} for rule in rules]


SHIPPED_PACKS: tuple[dict[str, Any], ...] = (
    {
        "jurisdiction": "CN",
        "name": "China: PBOC payment account classes",
        "countries": ["CN"],
        "timezone": "Asia/Shanghai",
        # PBOC large-value transaction reporting: 50,000 CNY.
        "large_transaction_thresholds": {"CNY": _minor(50_000, "CNY")},
        "strong_authentication": _strong_auth(_CN_STRONG_AUTH),
        "tiers": [
            # Every tier caps the balance (issue 19: an unverified customer took a top-up of 999,999,999,999,999.00
            # CNY). Class I may pay out 1,000 CNY in all: it may receive up to ten times that (red packets, say)
            # before the customer verifies to spend it. Class II holds up to five years of its payments, and Class
            # III a wallet's ceiling of 1,000,000 CNY (a merchant settles to its bank account beyond that).
            {"tier": 1, "name": "Class I", "crossBorder": False,
             "limits": _limits("CNY", maxBalance=10_000, lifetime=1_000)},
            {"tier": 2, "name": "Class II", "crossBorder": False,
             "limits": _limits("CNY", maxBalance=500_000, annual=100_000)},
            {"tier": 3, "name": "Class III", "crossBorder": True,
             "limits": _limits("CNY", maxBalance=1_000_000, annual=200_000)},
        ],
    },
    {
        "jurisdiction": "EU",
        "name": "EU e-money (AMLD simplified and standard due diligence)",
        "countries": list(EU_COUNTRIES),
        "timezone": "Europe/Brussels",
        "large_transaction_thresholds": {"EUR": _minor(10_000, "EUR")},
        "strong_authentication": _strong_auth(_EU_STRONG_AUTH),
        "tiers": [
            # Simplified due diligence for e-money: at most 150 EUR stored and
            # 150 EUR of payments a month, domestic only.
            {"tier": 1, "name": "Simplified due diligence", "crossBorder": False,
             "limits": _limits("EUR", maxBalance=150, singleMax=150, monthly=150)},
            {"tier": 2, "name": "Standard due diligence", "crossBorder": True,
             "limits": _limits("EUR", maxBalance=150_000, singleMax=10_000, daily=15_000, monthly=25_000,
                               annual=150_000)},
            {"tier": 3, "name": "Enhanced due diligence", "crossBorder": True,
             "limits": _limits("EUR", maxBalance=1_000_000, singleMax=50_000, daily=100_000, monthly=250_000,
                               annual=1_000_000)},
        ],
    },
    {
        "jurisdiction": "DEFAULT",
        "name": "Conservative default (countries without a pack of their own)",
        "countries": [],
        "timezone": "UTC",
        "large_transaction_thresholds": {code: _minor(10_000 * rate, code) for code, rate in _UNITS_PER_USD.items()},
        "strong_authentication": [],  # no regional rule: the partner decides how it authenticates
        "tiers": [
            {"tier": 1, "name": "Unverified", "crossBorder": False,
             "limits": _default_limits(maxBalance=1_000, singleMax=200, daily=200, monthly=1_000, annual=3_000)},
            {"tier": 2, "name": "Verified", "crossBorder": False,
             "limits": _default_limits(maxBalance=20_000, singleMax=5_000, daily=5_000, monthly=20_000, annual=100_000)},
            {"tier": 3, "name": "Verified, enhanced", "crossBorder": True,
             "limits": _default_limits(maxBalance=1_000_000, singleMax=50_000, daily=100_000, monthly=250_000,
                                       annual=1_000_000)},
        ],
    },
)


def _cross_border(pack: dict[str, Any]) -> dict[str, Any]:
    """The shipped pack's checked crossBorder section (services.cross_border.policy)."""
    # A pack shipped without its own section (a bank's fork, a test's) gets the conservative default one.
    return check_cross_border(SHIPPED_SECTIONS.get(pack["jurisdiction"], SHIPPED_SECTIONS["DEFAULT"]))


async def _give_missing_caps(pack: dict[str, Any]) -> int:
    """A stored pack the bank never changed gets the shipped maximum balances its tiers lack (once); 1 if changed."""
    row = await CompliancePolicy.get_or_none(jurisdiction=pack["jurisdiction"], updated_by="system:shipped")
    if row is None:
        return 0  # changed by the bank since: its data, never overwritten
    shipped = {t["tier"]: t for t in check_tiers(pack["tiers"])}
    tiers, changed = [], False
    for tier in row.tiers:
        limits = {}
        for currency, values in tier["limits"].items():
            cap = shipped.get(tier["tier"], {}).get("limits", {}).get(currency, {}).get("maxBalance")
            if values.get("maxBalance") is None and cap is not None:
                values, changed = {**values, "maxBalance": cap}, True
            limits[currency] = values
        tiers.append({**tier, "limits": limits})
    if not changed:
        return 0
    return await CompliancePolicy.filter(jurisdiction=row.jurisdiction, version=row.version).update(
        tiers=check_tiers(tiers), version=F("version") + 1, updated_by="system:shipped")


async def ensure_shipped_packs() -> int:
    """Insert each shipped pack that is not stored yet; return how many were inserted.

    A stored shipped pack that never had a strong authentication section
    (stored before the section existed: NULL) gets the shipped one, once, with
    its version raised; a section the bank has set, even to [], is kept. A
    stored pack the bank never changed gets the maximum balances added since.
    """
    inserted = completed = 0
    for pack in SHIPPED_PACKS:
        strong_auth = check_strong_auth_rules(pack["strong_authentication"])
        if await CompliancePolicy.exists(jurisdiction=pack["jurisdiction"]):
            completed += await CompliancePolicy.filter(
                jurisdiction=pack["jurisdiction"], strong_authentication__isnull=True
            ).update(strong_authentication=strong_auth, version=F("version") + 1, updated_by="system:shipped")
            # The crossBorder section the same way: given once to a stored pack that never had one.
            completed += await CompliancePolicy.filter(
                jurisdiction=pack["jurisdiction"], cross_border__isnull=True
            ).update(cross_border=_cross_border(pack), version=F("version") + 1, updated_by="system:shipped")
            completed += await _give_missing_caps(pack)
            continue
        await CompliancePolicy.create(
            jurisdiction=pack["jurisdiction"], name=pack["name"], countries=pack["countries"],
            timezone=pack["timezone"],
            large_transaction_thresholds=check_thresholds(pack["large_transaction_thresholds"]),
            tiers=check_tiers(pack["tiers"]), aml_rules=check_aml_rules(_AML_RULES),
            strong_authentication=strong_auth, updated_by="system:shipped", cross_border=_cross_border(pack),
        )
        inserted += 1
    if completed:
        await announce_standing_changed()
    return inserted
