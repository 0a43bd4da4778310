"""pointsEarnRuleCreate / Update / Retire: earn rules are data, changed by the programme's partner or bank staff.

Every change writes its audit row and its points_rule.* event in the change's own transaction. An update bumps
the rule's version; a retired rule earns nothing more and cannot be changed again (points already earned stay).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Merchant, PointsEarnRule
from services.audit import AuditNote, record_event
from services.errors import NotFound, ValidationFailed
from services.events import record_domain_event
from services.money import MAX_MINOR, parse_amount
from services.points.programs import managed_program
from services.points.records import RuleRecord
from services.points.rules import EARN_KINDS
from services.scoping import of_partner

_MCC_DIGITS = 4


@dataclass(frozen=True)
class RuleTerms:
    """An earn rule's terms as the caller gave them (None: not given; on update, unchanged)."""

    kind: str | None = None
    points_per_unit: int | None = None
    spend_unit: str | None = None  # decimal string in the programme's value currency (e.g. "1.00")
    mcc: str | None = None
    merchant_id: uuid.UUID | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    per_transaction_cap: int | None = None
    per_month_cap: int | None = None


def _positive(value: Any, field: str, *, required: bool) -> int | None:
    """A positive whole number within BIGINT, or None when not given and not required."""
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_MINOR:
        raise ValidationFailed(f"{field} must be a positive whole number", field=[field])
    return value


async def _checked(terms: RuleTerms, *, currency: str, partner_id: uuid.UUID | None, creating: bool) -> dict[str, Any]:
    """The terms given, validated, as model columns (only those given, unless creating)."""
    out: dict[str, Any] = {}
    if terms.kind is not None or creating:
        if terms.kind not in EARN_KINDS:
            raise ValidationFailed(f"kind must be one of {', '.join(EARN_KINDS)}", field=["kind"])
        out["kind"] = terms.kind
    if terms.points_per_unit is not None or creating:
        out["points_per_unit"] = _positive(terms.points_per_unit, "pointsPerUnit", required=True)
    if terms.spend_unit is not None or creating:
        if terms.spend_unit is None:
            raise ValidationFailed("spendUnit is required", field=["spendUnit"])
        out["unit_minor"] = parse_amount(terms.spend_unit, currency, field=["spendUnit"])
    if terms.mcc is not None:
        if not (terms.mcc.isdigit() and len(terms.mcc) == _MCC_DIGITS):
            raise ValidationFailed("mcc must be a 4-digit merchant category code", field=["mcc"])
        out["mcc"] = terms.mcc
    if terms.merchant_id is not None:
        merchant = await Merchant.get_or_none(id=terms.merchant_id)
        if merchant is None or (partner_id is not None and not of_partner(partner_id, merchant.partner_id)):  # type: ignore[attr-defined]
            raise NotFound("merchant not found", field=["merchantId"])
        out["merchant_id"] = merchant.id
    for name, field in (("per_transaction_cap", "perTransactionCap"), ("per_month_cap", "perMonthCap")):
        if getattr(terms, name) is not None:
            out[name] = _positive(getattr(terms, name), field, required=True)
    for name in ("valid_from", "valid_to"):
        if getattr(terms, name) is not None:
            value = getattr(terms, name)
            if value.tzinfo is None:
                raise ValidationFailed("campaign dates need a timezone", field=["validFrom" if name == "valid_from" else "validTo"])
            out[name] = value
    return out


def _window_ok(valid_from: datetime | None, valid_to: datetime | None) -> None:
    """A campaign window ends after it starts."""
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ValidationFailed("validTo must be after validFrom", field=["validTo"])


async def _changed(conn: BaseDBAsyncClient, rule: PointsEarnRule, event: str, partner_id: uuid.UUID | None,
                   audit: AuditNote | None) -> None:
    """The rule's event and audit row, in the change's transaction."""
    await record_domain_event(type=event, partner_id=partner_id, object_type="PointsEarnRule",
                              object_id=rule.id, payload={"ruleId": str(rule.id), "programId": str(rule.program_id),  # type: ignore[attr-defined]
                                                          "version": rule.version}, using_db=conn)
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="PointsEarnRule",
                           object_id=str(rule.id), request_id=audit.request_id, partner_id=partner_id)


async def create_rule(*, principal: Principal, program_id: uuid.UUID | None, terms: RuleTerms,
                      audit: AuditNote | None = None) -> RuleRecord:
    """Add an earn rule to a programme the caller manages."""
    program = await managed_program(principal, program_id)
    partner_id = program.partner_id  # type: ignore[attr-defined]
    values = await _checked(terms, currency=program.value_currency, partner_id=partner_id, creating=True)
    _window_ok(values.get("valid_from"), values.get("valid_to"))
    async with in_transaction() as conn:
        rule = await PointsEarnRule.create(program_id=program.id, using_db=conn, **values)
        await _changed(conn, rule, "points_rule.created", partner_id, audit)
    return RuleRecord.of(rule, program, audited=audit is not None)


async def _managed_rule(principal: Principal, rule_id: uuid.UUID | None) -> tuple[PointsEarnRule, Any]:
    """An ACTIVE rule of a programme the caller manages, and that programme."""
    rule = await PointsEarnRule.get_or_none(id=rule_id) if rule_id else None
    if rule is None:
        raise NotFound("earn rule not found", field=["ruleId"])
    try:
        program = await managed_program(principal, rule.program_id)  # type: ignore[attr-defined]
    except NotFound:
        raise NotFound("earn rule not found", field=["ruleId"]) from None
    if rule.status != "ACTIVE":
        raise ValidationFailed("the earn rule is retired: create a new one", field=["ruleId"])
    return rule, program


async def update_rule(*, principal: Principal, rule_id: uuid.UUID | None, terms: RuleTerms,
                      audit: AuditNote | None = None) -> RuleRecord:
    """Change the given terms of an active rule (its version rises); earnings from now on use them."""
    rule, program = await _managed_rule(principal, rule_id)
    values = await _checked(terms, currency=program.value_currency, partner_id=program.partner_id, creating=False)
    if not values:
        raise ValidationFailed("give at least one term to change", field=["ruleId"])
    _window_ok(values.get("valid_from", rule.valid_from), values.get("valid_to", rule.valid_to))
    async with in_transaction() as conn:
        values["version"] = rule.version + 1
        await PointsEarnRule.filter(id=rule.id, version=rule.version).using_db(conn).update(**values)
        rule = await PointsEarnRule.get(id=rule.id).using_db(conn)
        await _changed(conn, rule, "points_rule.updated", program.partner_id, audit)
    return RuleRecord.of(rule, program, audited=audit is not None)


async def retire_rule(*, principal: Principal, rule_id: uuid.UUID | None, audit: AuditNote | None = None) -> RuleRecord:
    """Retire an active rule: it earns nothing more."""
    rule, program = await _managed_rule(principal, rule_id)
    async with in_transaction() as conn:
        await PointsEarnRule.filter(id=rule.id).using_db(conn).update(status="RETIRED", version=rule.version + 1)
        rule = await PointsEarnRule.get(id=rule.id).using_db(conn)
        await _changed(conn, rule, "points_rule.retired", program.partner_id, audit)
    return RuleRecord.of(rule, program, audited=audit is not None)


