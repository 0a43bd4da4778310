"""Reading and changing the policy packs (`compliancePolicies`, `compliancePolicyCreate/Update`).

The API speaks decimal strings in each currency; packs are stored in minor
units after services.compliance.policy_document has checked them. A change
takes effect for every posting planned after it commits (the change is
announced to every worker). No country may belong to two packs.
"""

from __future__ import annotations

import re
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import CompliancePolicy
from services.compliance.policies import DEFAULT_JURISDICTION
from services.compliance.policy_document import (
    LIMIT_KINDS, check_aml_rules, check_countries, check_thresholds, check_tiers, check_timezone,
)
from services.caches import STANDING_CHANNEL as CHANNEL
from services.compliance.standing_channel import announce_standing_changed
from services.compliance.strong_auth import SECTION, check_strong_auth_rules
from services.cross_border.policy import check_cross_border, section_from_input
from services.db.sql import execute, is_postgres
from services.compliance.policy_record import PolicyRecord
from services.errors import AlreadyExists, InvalidAmount, NotFound, UnsupportedCurrency, ValidationFailed
from services.money import normalise_currency, parse_amount
from services.validation import clean_text


_JURISDICTION = re.compile(r"[A-Z][A-Z0-9-]{1,15}")


async def list_policies() -> list[PolicyRecord]:
    """Every pack, DEFAULT last."""
    rows = await CompliancePolicy.all()
    return [PolicyRecord.from_row(r) for r in sorted(rows, key=lambda r: (r.jurisdiction == DEFAULT_JURISDICTION, r.jurisdiction))]


async def get_policy(*, jurisdiction: str) -> PolicyRecord | None:
    """One jurisdiction's pack, or None."""
    row = await CompliancePolicy.get_or_none(jurisdiction=jurisdiction) if _JURISDICTION.fullmatch(jurisdiction) else None
    return PolicyRecord.from_row(row) if row is not None else None


_ZERO = re.compile(r"0+(\.0+)?")


def _amount(text: Any, currency: str, *field: str | int) -> int | None:
    if text is None:
        return None
    if _ZERO.fullmatch(str(text).strip()):
        return 0  # a limit of zero is meaningful: this tier may not do it at all
    try:
        return parse_amount(str(text), currency, field=[str(f) for f in field])
    except InvalidAmount as error:
        # A malformed amount is a malformed pack: VALIDATION, naming the field (as for fee rules).
        raise ValidationFailed(error.message, field=error.field) from None


def _currency(code: Any, *field: str | int) -> str:
    try:
        return normalise_currency(code)
    except UnsupportedCurrency as error:
        raise ValidationFailed(error.message, field=[str(f) for f in field]) from None


def thresholds_from_input(items: list[dict[str, Any]]) -> dict[str, int]:
    """[{currency, amount}] in decimal strings -> {currency: minor units}."""
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        currency = _currency(item["currency"], "largeTransactionThresholds", i, "currency")
        if currency in out:
            raise ValidationFailed(f"{currency} is listed twice", field=["largeTransactionThresholds", str(i)])
        out[currency] = _amount(item["amount"], currency, "largeTransactionThresholds", i, "amount")
    return check_thresholds(out)


def aml_rules_from_input(items: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    """[{rule, severity, action, enabled, ...parameters}] -> {rule: settings}; a rule named twice is refused."""
    if isinstance(items, dict):
        return check_aml_rules(items)  # already keyed by rule (the CLI and stored documents)
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        settings = dict(item)
        rule = settings.pop("rule")
        if rule in out:
            raise ValidationFailed(f"{rule} is listed twice: give each rule once", field=["amlRules", str(i), "rule"])
        out[rule] = settings
    return check_aml_rules(out)


def tiers_from_input(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tiers whose limits are decimal strings per currency -> the stored document."""
    tiers = []
    for i, tier in enumerate(items):
        limits: dict[str, Any] = {}
        for j, limit in enumerate(tier.get("limits") or []):
            currency = _currency(limit["currency"], "tiers", i, "limits", j, "currency")
            if currency in limits:
                raise ValidationFailed(f"{currency} is listed twice", field=["tiers", str(i), "limits", str(j)])
            limits[currency] = {
                kind: _amount(limit.get(kind), currency, "tiers", i, "limits", j, kind) for kind in LIMIT_KINDS
            }
        tiers.append({"tier": tier["tier"], "name": tier["name"], "crossBorder": tier["crossBorder"], "limits": limits})
    return check_tiers(tiers)


def strong_auth_from_input(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules whose aboveAmounts are [{currency, amount}] decimal strings -> the stored section."""
    out = []
    for i, rule in enumerate(rules):
        above: dict[str, Any] = {}
        for j, item in enumerate(rule.get("aboveAmounts") or []):
            currency = _currency(item["currency"], SECTION, i, "aboveAmounts", j, "currency")
            if currency in above:
                raise ValidationFailed(f"{currency} is listed twice", field=[SECTION, str(i), "aboveAmounts", str(j)])
            amount = _amount(item["amount"], currency, SECTION, i, "aboveAmounts", j, "amount")
            if amount is None:
                raise ValidationFailed("an amount is required", field=[SECTION, str(i), "aboveAmounts", str(j), "amount"])
            above[currency] = amount
        out.append({**rule, "aboveAmounts": above})
    return check_strong_auth_rules(out)


# Any constant: the advisory lock that serialises changes to the packs.
_PACKS_LOCK = 7_214_031


async def _serialise_and_announce(conn: BaseDBAsyncClient) -> None:
    """One pack change at a time (so two cannot claim one country), announced by the commit itself.

    PostgreSQL delivers a NOTIFY sent inside a transaction when, and only
    when, it commits: no worker can miss a committed change because this
    process died between commit and announcement. (SQLite has one process,
    which the announcement after commit reaches.)
    """
    if is_postgres(conn):
        await execute(conn, "SELECT pg_advisory_xact_lock($1)", [_PACKS_LOCK])
        await execute(conn, "SELECT pg_notify($1, '')", [CHANNEL])


async def _check_no_overlap(jurisdiction: str, countries: list[str]) -> None:
    if jurisdiction == DEFAULT_JURISDICTION and countries:
        raise ValidationFailed("DEFAULT covers every country without a pack: it lists none", field=["countries"])
    for other in await CompliancePolicy.exclude(jurisdiction=jurisdiction):
        clash = sorted(set(countries) & set(other.countries))
        if clash:
            raise ValidationFailed(f"{clash[0]} already belongs to the {other.jurisdiction} pack", field=["countries"])


# The API's names of the parts a new pack needs (what `field` names in a refusal).
_INPUT_NAMES = {"aml_rules": "amlRules", "thresholds": "largeTransactionThresholds"}


async def create_policy(*, jurisdiction: str, values: dict[str, Any], actor: str) -> PolicyRecord:
    """A new pack (admin). Every part is required but strong authentication (omitted: no rules)."""
    if not isinstance(jurisdiction, str) or not _JURISDICTION.fullmatch(jurisdiction):
        raise ValidationFailed("jurisdiction is 2-16 capitals, digits or hyphens, e.g. SG or US-NY", field=["jurisdiction"])
    missing = [k for k in ("name", "countries", "timezone", "tiers", "aml_rules", "thresholds") if values.get(k) is None]
    if missing:
        name = _INPUT_NAMES.get(missing[0], missing[0])
        raise ValidationFailed(f"a new pack needs {name}", field=[name])
    document = {"strong_authentication": [], **_document(values)}
    async with in_transaction() as conn:
        await _serialise_and_announce(conn)
        if await CompliancePolicy.exists(jurisdiction=jurisdiction):
            raise AlreadyExists(f"the {jurisdiction} pack exists: update it", field=["jurisdiction"])
        await _check_no_overlap(jurisdiction, document["countries"])
        row = await CompliancePolicy.create(jurisdiction=jurisdiction, updated_by=actor[:128], **document, using_db=conn)
    await announce_standing_changed()
    return PolicyRecord.from_row(row)


async def update_policy(*, jurisdiction: str, values: dict[str, Any], actor: str) -> PolicyRecord:
    """Change the given parts of a pack (admin); its version goes up by one."""
    if not isinstance(jurisdiction, str) or not _JURISDICTION.fullmatch(jurisdiction):
        # Not a jurisdiction any pack could have (found by the schema fuzzer: a 22-character name reached the
        # query and failed Tortoise's length check as INTERNAL).
        raise NotFound("no such policy pack", field=["jurisdiction"])
    async with in_transaction() as conn:
        await _serialise_and_announce(conn)
        row = await CompliancePolicy.select_for_update().get_or_none(jurisdiction=jurisdiction)
        if row is None:
            raise NotFound("no such policy pack", field=["jurisdiction"])
        document = _document(values)
        if "countries" in document:
            await _check_no_overlap(jurisdiction, document["countries"])
        for key, value in document.items():
            setattr(row, key, value)
        row.version += 1
        row.updated_by = actor[:128]
        await row.save()
    await announce_standing_changed()
    return PolicyRecord.from_row(row)


def _document(values: dict[str, Any]) -> dict[str, Any]:
    """The stored columns for the parts given (None = unchanged)."""
    out: dict[str, Any] = {}
    if values.get("name") is not None:
        out["name"] = clean_text(values["name"], field="name", max_len=120)
    if values.get("countries") is not None:
        out["countries"] = check_countries(values["countries"])
    if values.get("timezone") is not None:
        out["timezone"] = check_timezone(values["timezone"])
    if values.get("thresholds") is not None:
        out["large_transaction_thresholds"] = thresholds_from_input(values["thresholds"])
    if values.get("tiers") is not None:
        out["tiers"] = tiers_from_input(values["tiers"])
    if values.get("aml_rules") is not None:
        out["aml_rules"] = aml_rules_from_input(values["aml_rules"])
    if values.get("strong_authentication") is not None:
        out["strong_authentication"] = strong_auth_from_input(values["strong_authentication"])
    if values.get("cross_border") is not None:
        out["cross_border"] = check_cross_border(section_from_input(values["cross_border"]))  # services.cross_border
    return out
