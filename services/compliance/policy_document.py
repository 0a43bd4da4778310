"""The shape of a policy pack, checked before it is stored: tiers, limits, thresholds and AML rules.

Stored amounts are integer minor units of the currency they are keyed by;
`None` means "no such limit". Every malformed pack is a `VALIDATION` error
that names the offending field, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.countries import is_country
from services.errors import UnsupportedCurrency, ValidationFailed
from services.money import MAX_MINOR, currency_exponent

LIMIT_KINDS: tuple[str, ...] = ("maxBalance", "singleMax", "daily", "monthly", "annual", "lifetime")
SEVERITIES = ("LOW", "MEDIUM", "HIGH")
ACTIONS = ("ALERT", "HOLD")
MAX_TIERS = 10

# Each AML rule's parameters, with (lowest, highest) allowed values.
AML_RULE_PARAMETERS: dict[str, dict[str, tuple[int, int]]] = {
    "LARGE_TRANSACTION": {},
    "VELOCITY": {"maxCount": (1, 10_000), "windowMinutes": (1, 10_080)},
    "STRUCTURING": {"minCount": (2, 100), "windowHours": (1, 168), "bandBps": (1, 5_000)},
    "RAPID_PASS_THROUGH": {"windowMinutes": (1, 1_440), "minShareBps": (1, 10_000), "amountBps": (1, 10_000)},
    "NEW_ACCOUNT_HIGH_VALUE": {"accountAgeDays": (1, 365), "amountBps": (1, 10_000)},
    "DORMANT_REACTIVATION": {"dormantDays": (1, 3_650)},
}


@dataclass(frozen=True)
class TierLimits:
    """One tier's limits in one currency (minor units; None = unlimited)."""

    max_balance: int | None = None
    single_max: int | None = None
    daily: int | None = None
    monthly: int | None = None
    annual: int | None = None
    lifetime: int | None = None


@dataclass(frozen=True)
class Tier:
    tier: int
    name: str
    cross_border: bool
    limits: dict[str, TierLimits]


def _fail(message: str, *field: str | int) -> ValidationFailed:
    return ValidationFailed(message, field=[str(f) for f in field])


def check_timezone(value: Any) -> str:
    """An IANA timezone name that this machine knows."""
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise _fail("timezone must be an IANA name such as Asia/Shanghai", "timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"unknown timezone {value!r}", "timezone") from None
    return value


def check_countries(values: Any) -> list[str]:
    """Distinct ISO 3166-1 alpha-2 codes."""
    if not isinstance(values, list) or len(values) > 300:
        raise _fail("countries must be a list of country codes", "countries")
    for i, code in enumerate(values):
        if not isinstance(code, str) or not is_country(code):
            raise _fail(f"unknown country {code!r}", "countries", i)
    if len(set(values)) != len(values):
        raise _fail("a country is listed twice", "countries")
    return sorted(values)


def _minor(value: Any, *field: str | int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINOR:
        raise _fail("a limit is a whole number of minor units between 0 and 2^63-1, or null", *field)
    return value


def _currency(code: Any, *field: str | int) -> str:
    """A stored pack keys by the exact (upper-case) code of an offered currency."""
    try:
        currency_exponent(code)
    except UnsupportedCurrency as error:
        raise _fail(error.message, *field) from None
    return code


def check_thresholds(values: Any) -> dict[str, int]:
    """{currency: minor units} large-transaction thresholds, each above zero."""
    if not isinstance(values, dict):
        raise _fail("thresholds must map currencies to amounts", "largeTransactionThresholds")
    out = {}
    for code, amount in values.items():
        out[_currency(code, "largeTransactionThresholds", code)] = _minor(amount, "largeTransactionThresholds", code) or 0
        if out[code] <= 0:
            raise _fail("a threshold must be above zero", "largeTransactionThresholds", code)
    return out


def check_tiers(values: Any) -> list[dict[str, Any]]:
    """Tiers with distinct positive numbers and per-currency limits, in the stored (JSON) shape."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_TIERS:
        raise _fail(f"a pack has between 1 and {MAX_TIERS} tiers", "tiers")
    out, seen = [], set()
    for i, tier in enumerate(values):
        if not isinstance(tier, dict):
            raise _fail("a tier is an object", "tiers", i)
        number, name = tier.get("tier"), tier.get("name")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99 or number in seen:
            raise _fail("tier numbers are distinct whole numbers from 1 to 99", "tiers", i, "tier")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
            raise _fail("a tier needs a name of at most 80 characters", "tiers", i, "name")
        if not isinstance(tier.get("crossBorder", False), bool):
            raise _fail("crossBorder is true or false", "tiers", i, "crossBorder")
        limits = tier.get("limits")
        if not isinstance(limits, dict) or not limits:
            raise _fail("a tier lists limits for at least one currency", "tiers", i, "limits")
        stored_limits = {}
        for code, per_currency in limits.items():
            _currency(code, "tiers", i, "limits", code)
            if not isinstance(per_currency, dict) or set(per_currency) - set(LIMIT_KINDS):
                raise _fail(f"limits are {', '.join(LIMIT_KINDS)}", "tiers", i, "limits", code)
            stored_limits[code] = {k: _minor(per_currency.get(k), "tiers", i, "limits", code, k) for k in LIMIT_KINDS}
        seen.add(number)
        out.append({"tier": number, "name": name.strip(), "crossBorder": tier.get("crossBorder", False), "limits": stored_limits})
    return sorted(out, key=lambda t: t["tier"])


def check_aml_rules(values: Any) -> dict[str, dict[str, Any]]:
    """{RULE: {severity, action, enabled, parameters...}} for the known rules only."""
    if not isinstance(values, dict):
        raise _fail("amlRules must map rule names to settings", "amlRules")
    out: dict[str, dict[str, Any]] = {}
    for rule, setting in values.items():
        if rule not in AML_RULE_PARAMETERS:
            raise _fail(f"unknown AML rule {rule!r}", "amlRules", str(rule))
        if not isinstance(setting, dict):
            raise _fail("a rule's settings are an object", "amlRules", rule)
        if setting.get("severity") not in SEVERITIES:
            raise _fail(f"severity is one of {', '.join(SEVERITIES)}", "amlRules", rule, "severity")
        if setting.get("action") not in ACTIONS:
            raise _fail(f"action is one of {', '.join(ACTIONS)}", "amlRules", rule, "action")
        enabled = setting.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _fail("enabled is true or false", "amlRules", rule, "enabled")
        stored: dict[str, Any] = {"severity": setting["severity"], "action": setting["action"], "enabled": enabled}
        allowed = AML_RULE_PARAMETERS[rule]
        extra = set(setting) - {"severity", "action", "enabled"} - set(allowed)
        if extra:
            raise _fail(f"unknown parameter {sorted(extra)[0]!r} for {rule}", "amlRules", rule)
        for name, (low, high) in allowed.items():
            value = setting.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise _fail(f"{name} must be a whole number from {low} to {high}", "amlRules", rule, name)
            stored[name] = value
        out[rule] = stored
    return out


def tiers_from_document(tiers: list[dict[str, Any]]) -> list[Tier]:
    """The stored tiers as typed values (the document was checked when it was stored)."""
    return [
        Tier(
            tier=t["tier"], name=t["name"], cross_border=bool(t["crossBorder"]),
            limits={
                code: TierLimits(
                    max_balance=l.get("maxBalance"), single_max=l.get("singleMax"), daily=l.get("daily"),
                    monthly=l.get("monthly"), annual=l.get("annual"), lifetime=l.get("lifetime"),
                )
                for code, l in t["limits"].items()
            },
        )
        for t in tiers
    ]
