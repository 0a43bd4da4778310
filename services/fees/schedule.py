"""The fee schedule: loading the rules in force, and the bank admin's changes to them.

Changes are never retroactive: a new rule, or a new version of one, starts at
its effective date (not in the past), and a changed or retired rule ends
there, so past transactions keep the breakdown they were charged with.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import FeeRule, Merchant, Partner
from services.caches import FEE_SCHEDULE, FEES_CHANNEL as CHANNEL
from services.change_feed import announce, reliable
from services.countries import is_country
from services.errors import InvalidAmount, NotFound, UnsupportedCurrency, ValidationFailed
from services.events import record_domain_event
from services.fees.records import FeeRuleRecord
from services.fees.rules import (
    CORRIDORS, FEE_KINDS, MAX_RATE_BPS, PAYERS, REFUND_TREATMENTS, ROUTES, RuleSpec, overlaps,
)
from services.money import MAX_MINOR, format_amount, normalise_currency, parse_amount
from services.payments import mcc as mcc_codes
from services.scoping import of_partner, sees_partner

# Remembered rules: forgotten on every announced change, and after this long
# anyway (a safety net against a change announced before it committed).
_REMEMBER_S = 5.0
# "Not in the past" allows for this much clock skew between client and server.
_CLOCK_SLACK = timedelta(seconds=5)


async def rules_in_force() -> list[RuleSpec]:
    """Every rule not yet ended (current and scheduled); remembered while changes are announced."""
    cached = FEE_SCHEDULE.get("rules")
    if cached is not None and reliable() and time.monotonic() < cached[0]:
        return cached[1]
    rules = await _current_rows()
    FEE_SCHEDULE.put("rules", (time.monotonic() + _REMEMBER_S, rules))
    return rules


async def schedule_for(partner_id: uuid.UUID | None) -> list[RuleSpec]:
    """The rules a partner's customers may be charged by (the bank's and its own), current and scheduled."""
    return [r for r in await rules_in_force() if r.partner_id is None or of_partner(partner_id, r.partner_id)]


async def visible_schedule(principal: Principal) -> list[RuleSpec]:
    """The rules the caller may see: staff every rule in force, a partner (or its customer token) the bank's and its own."""
    return [r for r in await rules_in_force() if r.partner_id is None or sees_partner(principal, r.partner_id)]


def _known_currency(currency: str) -> str:
    """The rule's currency code, upper-cased; one the bank does not offer is a VALIDATION error (nothing stored)."""
    try:
        return normalise_currency(currency)
    except UnsupportedCurrency as error:
        raise ValidationFailed(error.message, field=["currency"]) from error


def _validated(fields: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """Refuse every malformed term with VALIDATION; return the cleaned terms."""
    out = dict(fields)
    if out["kind"] not in FEE_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(FEE_KINDS)}", field=["kind"])
    if out.get("currency") is not None:
        out["currency"] = _known_currency(out["currency"])
    if out.get("corridor") is not None and out["corridor"] not in CORRIDORS:
        raise ValidationFailed("corridor must be DOMESTIC or CROSS_BORDER", field=["corridor"])
    if out.get("destination_country") is not None:
        out["destination_country"] = out["destination_country"].strip().upper()
        if not is_country(out["destination_country"]):
            raise ValidationFailed("destinationCountry must be an ISO 3166-1 alpha-2 code", field=["destinationCountry"])
    if out.get("customer_kind") is not None and out["customer_kind"] not in ("INDIVIDUAL", "BUSINESS"):
        raise ValidationFailed("customerKind must be INDIVIDUAL or BUSINESS", field=["customerKind"])
    for name in ("fixed_minor", "fee_min_minor", "fee_max_minor", "amount_min_minor", "amount_max_minor"):
        value = out.get(name)
        if value is not None and not 0 <= value <= MAX_MINOR:
            raise ValidationFailed(f"{name} must be between 0 and {MAX_MINOR}", field=[name])
    if not 0 <= out["rate_bps"] <= MAX_RATE_BPS:
        raise ValidationFailed("rateBps must be between 0 and 10000 (100 %)", field=["rateBps"])
    if out.get("fee_max_minor") is not None and out["fee_min_minor"] > out["fee_max_minor"]:
        raise ValidationFailed("the minimum fee is above the maximum", field=["feeMin"])
    tier = (out.get("amount_min_minor"), out.get("amount_max_minor"))
    if tier != (None, None) and out.get("currency") is None:
        raise ValidationFailed("an amount tier needs a currency", field=["currency"])
    if None not in tier and tier[0] >= tier[1]:
        raise ValidationFailed("the amount tier's minimum must be below its maximum", field=["amountMin"])
    if not 0 <= out["free_per_month"] <= 1000:
        raise ValidationFailed("freePerMonth must be between 0 and 1000", field=["freePerMonth"])
    _validated_merchant_terms(out)
    if out.get("route") is not None and out["route"] not in ROUTES.get(out["kind"], ()):
        raise ValidationFailed("route is BANK_ACCOUNT or CARD for TOP_UP rules, BANK_ACCOUNT for WITHDRAWAL rules",
                               field=["route"])
    if out["effective_from"] < now - _CLOCK_SLACK:
        raise ValidationFailed("a rule cannot start in the past (changes are never retroactive)", field=["effectiveFrom"])
    if out.get("effective_to") is not None and out["effective_to"] <= out["effective_from"]:
        raise ValidationFailed("the effective range ends before it starts", field=["effectiveTo"])
    return out


def _validated_merchant_terms(out: dict[str, Any]) -> None:
    """The PAYMENT-only terms: who pays, the merchant category and merchant selectors, the refund treatment."""
    if out["payer"] not in PAYERS:
        raise ValidationFailed("payer must be SENDER or RECEIVER", field=["payer"])
    payment_only = (("payer", out["payer"] == "RECEIVER"), ("mcc", out.get("mcc") is not None),
                    ("merchantId", out.get("merchant_id") is not None))
    for name, used in payment_only:
        if used and out["kind"] != "PAYMENT":
            raise ValidationFailed(f"{name} applies to PAYMENT rules only (a merchant is paid by a payment)", field=[name])
    if out.get("mcc") is not None:
        out["mcc"] = out["mcc"].strip()
        if mcc_codes.category_name(out["mcc"]) is None:
            raise ValidationFailed("mcc must be a known ISO 18245 merchant category code (four digits)", field=["mcc"])
    if out["payer"] == "RECEIVER":
        # The free allowance counts a payer's own transactions: it has no meaning for a merchant's fee.
        if out["free_per_month"]:
            raise ValidationFailed("a RECEIVER (merchant) rule has no free allowance: freePerMonth must be 0",
                                   field=["freePerMonth"])
        out["refund_treatment"] = out.get("refund_treatment") or "RETAINED"
        if out["refund_treatment"] not in REFUND_TREATMENTS:
            raise ValidationFailed("refundTreatment must be RETAINED or RETURNED", field=["refundTreatment"])
    elif out.get("refund_treatment") is not None:
        raise ValidationFailed("refundTreatment applies to RECEIVER (merchant) rules only", field=["refundTreatment"])


async def _check_merchant(clean: dict[str, Any]) -> None:
    """A merchant selector names a merchant that exists and, on a partner's rule, is that partner's (NOT_FOUND else)."""
    merchant_id = clean.get("merchant_id")
    if merchant_id is None:
        return
    merchant = await Merchant.get_or_none(id=merchant_id)
    if merchant is None or (clean.get("partner_id") is not None
                            and not of_partner(clean["partner_id"], merchant.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("merchant not found (a partner's rule names one of that partner's merchants)",
                       field=["merchantId"])


async def create_rule(*, terms: dict[str, Any], created_by: str) -> FeeRuleRecord:
    """Add a rule (bank default when partner_id is None); refuse overlaps of equal precedence."""
    async with in_transaction() as conn:
        row = await _create(terms=terms, created_by=created_by, replacing=None)
        await _rule_changed(conn, row, "CREATED")
    await announce(CHANNEL)  # after the commit, so no worker reloads the old state
    return FeeRuleRecord(rule=RuleSpec.of(row))


async def _create(*, terms: dict[str, Any], created_by: str, replacing: uuid.UUID | None) -> FeeRule:
    now = datetime.now(timezone.utc)
    # Omitted terms take their defaults (API input leaves unset money amounts out, or None).
    defaults = {"effective_from": now, "fixed_minor": 0, "fee_min_minor": 0, "rate_bps": 0, "free_per_month": 0,
                "payer": "SENDER"}
    terms = {**defaults, **{k: v for k, v in terms.items() if v is not None or k not in defaults}}
    clean = _validated(terms, now=now)
    if clean.get("partner_id") is not None and not await Partner.exists(id=clean["partner_id"]):
        raise NotFound("partner not found", field=["partnerId"])
    await _check_merchant(clean)
    proposed = RuleSpec(id=None, **{name: clean.get(name) for name in RuleSpec.__dataclass_fields__ if name != "id"})
    clashing = [r for r in await _current_rows() if r.id != replacing and overlaps(proposed, r)]
    if clashing:
        raise ValidationFailed(
            f"overlaps an existing rule of equal precedence, {_described(clashing[0])}:"
            " make one more specific or end it first",
            field=["kind"],
        )
    return await FeeRule.create(created_by=created_by, **{k: clean.get(k) for k in RuleSpec.__dataclass_fields__ if k != "id"})


async def _rule_changed(conn: BaseDBAsyncClient, rule: FeeRule, change: str, *, replaces: uuid.UUID | None = None) -> None:
    """fee_rule.changed in the change's transaction: the rule's partner's, or every partner's for a bank default."""
    payload: dict[str, Any] = {"feeRuleId": str(rule.id), "change": change}
    if replaces is not None:
        payload["replacesFeeRuleId"] = str(replaces)
    await record_domain_event(
        type="fee_rule.changed", partner_id=rule.partner_id, object_type="FeeRule",  # type: ignore[attr-defined]
        object_id=rule.id, payload=payload, using_db=conn,
    )


def _described(rule: RuleSpec) -> str:
    """A rule named by its terms, for a message (no raw id reaches a client): whose, which kind, what it selects, when."""
    owner = "the partner's own" if rule.partner_id is not None else "the bank's default"
    selectors = [f"{name} {value}".strip() for name, value in (
        ("currency", rule.currency), ("corridor", rule.corridor), ("destination country", rule.destination_country),
        ("customer kind", rule.customer_kind), ("merchant category", rule.mcc),
        ("one merchant", "" if rule.merchant_id is not None else None), ("route", rule.route),
    ) if value is not None]
    if rule.payer == "RECEIVER":
        selectors.insert(0, "paid by the merchant")
    if rule.currency is not None and rule.amount_min_minor is not None:
        selectors.append(f"amounts from {format_amount(rule.amount_min_minor, rule.currency)}")
    if rule.currency is not None and rule.amount_max_minor is not None:
        selectors.append(f"amounts below {format_amount(rule.amount_max_minor, rule.currency)}")
    terms = f" ({', '.join(selectors)})" if selectors else ""
    until = f" until {rule.effective_to.isoformat(timespec='seconds')}" if rule.effective_to is not None else ""
    return f"{owner} {rule.kind} rule{terms} in force from {rule.effective_from.isoformat(timespec='seconds')}{until}"


async def _current_rows() -> list[RuleSpec]:
    now = datetime.now(timezone.utc)
    return [RuleSpec.of(row) for row in await FeeRule.filter(Q(effective_to=None) | Q(effective_to__gt=now))]


async def retire_rule(*, rule_id: uuid.UUID | None, at: datetime | None) -> FeeRuleRecord:
    """End a rule at `at` (default now; never in the past)."""
    async with in_transaction() as conn:
        rule = await _retire(rule_id=rule_id, at=at)
        await _rule_changed(conn, rule, "RETIRED")
    await announce(CHANNEL)
    return FeeRuleRecord(rule=RuleSpec.of(rule))


async def _retire(*, rule_id: uuid.UUID | None, at: datetime | None) -> FeeRule:
    now = datetime.now(timezone.utc)
    rule = await FeeRule.get_or_none(id=rule_id) if rule_id else None
    if rule is None:
        raise NotFound("fee rule not found", field=["ruleId"])
    end = at or now
    if end < now - _CLOCK_SLACK:
        raise ValidationFailed("a rule cannot be ended in the past (changes are never retroactive)", field=["at"])
    if rule.effective_to is not None and rule.effective_to <= now:
        raise ValidationFailed("this rule has already ended", field=["ruleId"])
    rule.effective_to = max(end, rule.effective_from)
    await rule.save(update_fields=["effective_to"])
    return rule


async def update_rule(*, rule_id: uuid.UUID | None, changes: dict[str, Any], created_by: str) -> FeeRuleRecord:
    """A new version of a rule from its effective date; the old version ends then."""
    old = await FeeRule.get_or_none(id=rule_id) if rule_id else None
    if old is None:
        raise NotFound("fee rule not found", field=["ruleId"])
    now = datetime.now(timezone.utc)
    starts = changes.get("effective_from") or now
    terms = {name: getattr(old, name) for name in RuleSpec.__dataclass_fields__ if name != "id"}
    terms.update({k: v for k, v in changes.items() if v is not None})
    terms["effective_from"] = starts
    async with in_transaction() as conn:
        await _retire(rule_id=old.id, at=starts)
        row = await _create(terms=terms, created_by=created_by, replacing=old.id)
        await _rule_changed(conn, row, "UPDATED", replaces=old.id)
    await announce(CHANNEL)
    return FeeRuleRecord(rule=RuleSpec.of(row))


def terms_from_input(values: dict[str, Any]) -> dict[str, Any]:
    """Rule terms from API input: decimal strings in the rule's currency become minor units.

    A rule without a currency can only be a rate (money amounts need a currency).
    """
    currency = values.get("currency")
    code = _known_currency(currency) if currency else None
    terms = {k: v for k, v in values.items() if k not in _MONEY_INPUTS}
    terms["currency"] = code
    for name, target in _MONEY_INPUTS.items():
        text = values.get(name)
        if text is None:
            continue
        if code is None:
            raise ValidationFailed(f"{name} needs the rule's currency", field=["currency"])
        try:
            terms[target] = 0 if _is_zero(text) else parse_amount(text, code, field=[name])
        except InvalidAmount as error:
            # A negative or malformed money term is a malformed rule: VALIDATION.
            raise ValidationFailed(error.message, field=error.field) from None
    return terms


_MONEY_INPUTS = {
    "fixed": "fixed_minor", "fee_min": "fee_min_minor", "fee_max": "fee_max_minor",
    "amount_min": "amount_min_minor", "amount_max": "amount_max_minor",
}


def _is_zero(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and set(stripped) <= {"0", "."} and stripped.count(".") <= 1


async def get_rule(*, rule_id: uuid.UUID | None) -> FeeRuleRecord:
    """A fee rule by id (current, scheduled or ended), or NotFound."""
    rule = await FeeRule.get_or_none(id=rule_id) if rule_id else None
    if rule is None:
        raise NotFound("fee rule not found", field=["ruleId"])
    return FeeRuleRecord(rule=RuleSpec.of(rule))


async def visible_rule(*, principal: Principal, rule_id: uuid.UUID) -> FeeRuleRecord | None:
    """A rule the caller may see (staff any; a partner the bank's and its own), or None."""
    rule = await FeeRule.get_or_none(id=rule_id)
    if rule is None or (rule.partner_id is not None and not sees_partner(principal, rule.partner_id)):  # type: ignore[attr-defined]
        return None
    return FeeRuleRecord(rule=RuleSpec.of(rule))
