"""Policy packs for bank staff: read them (any staff role), create and change them (admin)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from schema.cross_border.policy_types import CrossBorderRulesInput  # issue 14 part 7 (helper A)
from schema.common.audit_actor import actor_label
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.scalars import Decimal
from schema.common.enums import TransactionKind
from schema.aml.vocabulary import AmlAction, AmlRule, AmlSeverity
from schema.compliance.strong_auth import StepUpRequirement
from schema.compliance.types import AmlRuleParameterName, CompliancePolicy
from services.compliance import policy_admin
from services.compliance.policy_record import PolicyRecord
from services.errors import ValidationFailed


@strawberry.input(description="An amount in one currency, as a decimal string (each currency at most once per list).")
class MoneyAmountInput:
    currency: str = strawberry.field(
        description="An ISO 4217 code the bank offers, e.g. CNY (VALIDATION otherwise; listed twice: VALIDATION)."
    )
    amount: Decimal = strawberry.field(  # type: ignore[valid-type]
        description='The amount in that currency with at most its decimals, e.g. "50000.00" (VALIDATION otherwise).'
    )


@strawberry.input(description="Decimal strings in the currency; omit (null) for no such limit.")
class TierLimitInput:
    currency: str = strawberry.field(
        description="The ISO 4217 code these limits are in: an offered currency, once per tier (VALIDATION otherwise)."
    )
    max_balance: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The highest balance a credit may bring one wallet to; null: no maximum."
    )
    single_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description='The most one transfer or withdrawal may send (fee not counted); null: no limit, "0": none allowed.',
    )
    daily: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="The most a customer may send out per day in the pack's timezone (all its wallets in the currency,"
        " fees not counted); null: no limit.",
    )
    monthly: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The same, per calendar month in the pack's timezone; null: no limit."
    )
    annual: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The same, per calendar year in the pack's timezone; null: no limit."
    )
    lifetime: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The same, over the customer's whole life; null: no limit."
    )


@strawberry.input(description="One KYC tier of a pack and its limits.")
class PolicyTierInput:
    tier: int = strawberry.field(
        description="The tier number, 1 to 99, distinct within the pack (VALIDATION otherwise). A customer is in the"
        " highest tier at or below its approved kycTier, else in the lowest."
    )
    name: str = strawberry.field(description="The tier's display name, 1 to 80 characters.")
    cross_border: bool = strawberry.field(
        default=False,
        description="Whether its customers may pay customers in another country (KYC_REQUIRED otherwise); default false.",
    )
    limits: list[TierLimitInput] = strawberry.field(
        description="Its limits in at least one currency; a currency not listed is closed to the tier (KYC_REQUIRED)."
    )


_EITHER = " Give it or the deprecated {old}, not both (VALIDATION otherwise)."


@strawberry.input(description="One numeric parameter of an AML rule.")
class AmlRuleParameterInput:
    name: str | None = strawberry.field(
        default=None,
        description="The parameter's name; each rule takes its own set (see AmlRuleSettingInput.parameters).",
        deprecation_reason="Use parameterName: the same parameter as the AmlRuleParameterName enum.",
    )
    parameter_name: AmlRuleParameterName | None = strawberry.field(
        default=None, description="Which parameter of the rule this is." + _EITHER.format(old="name")
    )
    value: int = strawberry.field(description="A whole number within the parameter's range (VALIDATION otherwise).")


@strawberry.input(description="How a pack runs one AML rule on its customers' postings.")
class AmlRuleSettingInput:
    rule: str | None = strawberry.field(
        default=None,
        description="The rule: LARGE_TRANSACTION, VELOCITY, STRUCTURING, RAPID_PASS_THROUGH, NEW_ACCOUNT_HIGH_VALUE or"
        " DORMANT_REACTIVATION (VALIDATION otherwise).",
        deprecation_reason="Use ruleName: the same rule as the AmlRule enum.",
    )
    rule_name: AmlRule | None = strawberry.field(
        default=None,
        description="The transaction rule to run; required unless the deprecated rule is given. SANCTIONS_SCREENING"
        " is not set in a pack (VALIDATION)." + _EITHER.format(old="rule"),
    )
    severity: str | None = strawberry.field(
        default=None,
        description="LOW, MEDIUM or HIGH: the severity of the alerts the rule raises.",
        deprecation_reason="Use alertSeverity: the same value as the AmlSeverity enum.",
    )
    alert_severity: AmlSeverity | None = strawberry.field(
        default=None,
        description="The severity of the alerts the rule raises; required unless the deprecated severity is given."
        + _EITHER.format(old="severity"),
    )
    action: str | None = strawberry.field(
        default=None,
        description="ALERT (raise an alert, the money moves) or HOLD (raise an alert and hold the transaction for"
        " review).",
        deprecation_reason="Use alertAction: the same value as the AmlAction enum.",
    )
    alert_action: AmlAction | None = strawberry.field(
        default=None,
        description="ALERT (raise an alert, the money moves) or HOLD (raise an alert and hold the transaction for"
        " review); required unless the deprecated action is given." + _EITHER.format(old="action"),
    )
    enabled: bool = strawberry.field(default=True, description="False keeps the setting but the rule does not run.")
    parameters: list[AmlRuleParameterInput] = strawberry.field(
        default_factory=list,
        description="Every parameter of the rule, whole numbers: VELOCITY maxCount (MAX_COUNT) 1-10000, windowMinutes"
        " (WINDOW_MINUTES) 1-10080; STRUCTURING minCount (MIN_COUNT) 2-100, windowHours (WINDOW_HOURS) 1-168, bandBps"
        " (BAND_BPS) 1-5000; RAPID_PASS_THROUGH windowMinutes 1-1440, minShareBps (MIN_SHARE_BPS) 1-10000, amountBps"
        " (AMOUNT_BPS) 1-10000; NEW_ACCOUNT_HIGH_VALUE accountAgeDays (ACCOUNT_AGE_DAYS) 1-365, amountBps 1-10000;"
        " DORMANT_REACTIVATION dormantDays (DORMANT_DAYS) 1-3650; LARGE_TRANSACTION none.",
    )


@strawberry.input(description="A strong authentication rule of a pack; amounts are decimal strings in their currency.")
class StrongAuthRuleInput:
    operations: list[TransactionKind] = strawberry.field(description="At least one money movement, none twice.")
    above_amounts: list[MoneyAmountInput] = strawberry.field(
        description='Per currency, the amount above which the rule applies ("0": every amount).'
    )
    require: StepUpRequirement = strawberry.field(description="TWO_FACTORS (of different kinds) or BIOMETRIC.")
    max_age_seconds: int = strawberry.field(description="How old the authentication may be: 30 to 3600 seconds.")


@strawberry.input(description="Parts left null stay as they are (compliancePolicyUpdate); every part but strongAuthentication is required to create.")
class CompliancePolicyInput:
    jurisdiction: str = strawberry.field(
        description="The pack's code: 2 to 16 capitals, digits or hyphens, e.g. SG or US-NY (VALIDATION otherwise);"
        " DEFAULT is the pack for every country no other pack lists. Create: ALREADY_EXISTS if taken; update:"
        " NOT_FOUND if none."
    )
    name: str | None = strawberry.field(default=None, description="The display name, 1 to 120 characters.")
    countries: list[str] | None = strawberry.field(
        default=None,
        description="The ISO 3166-1 alpha-2 countries the pack governs, each once and in no other pack (VALIDATION"
        " otherwise); DEFAULT lists none. Replaces the whole list.",
    )
    timezone: str | None = strawberry.field(
        default=None,
        description="An IANA timezone, e.g. Asia/Shanghai, whose midnight starts the days, months and years of the"
        " period limits.",
    )
    large_transaction_thresholds: list[MoneyAmountInput] | None = strawberry.field(
        default=None,
        description="Per currency, the large-transaction threshold (above zero) that the AML rules measure amounts"
        " against; the amount-based rules skip a currency without one. Replaces the whole list.",
    )
    tiers: list[PolicyTierInput] | None = strawberry.field(
        default=None, description="1 to 10 KYC tiers with their limits; replaces them all."
    )
    aml_rules: list[AmlRuleSettingInput] | None = strawberry.field(
        default=None, description="The AML rules the pack runs; replaces them all (a rule not listed does not run)."
    )
    strong_authentication: list[StrongAuthRuleInput] | None = strawberry.field(
        default=None,
        description="When postings need strong customer authentication (STEP_UP_REQUIRED otherwise); [] for never."
        " Every rule that applies must be met. Omitted on create: none.",
    )
    cross_border: CrossBorderRulesInput | None = strawberry.field(
        default=None, description="The rules for international transfers (refused and review countries, the annual"
        " quota, purpose codes); replaces the whole section. Omitted on create: none.",
    )


@strawberry.type(description="The policy pack as created or changed, or why nothing changed.")
class CompliancePolicyPayload:
    policy: CompliancePolicy | None = strawberry.field(description="The pack after the change; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION (a malformed part, named by field),"
        " ALREADY_EXISTS (create: the jurisdiction has a pack) or NOT_FOUND (update: no such pack)."
    )


_LIMIT_NAMES = {"max_balance": "maxBalance", "single_max": "singleMax"}


def _either(old: str | None, new: Enum | None, at: list[str], old_name: str, new_name: str) -> str:
    """The value of a typed input field or of the deprecated string field it replaces: exactly one is given."""
    if old is not None and new is not None:
        raise ValidationFailed(f"give {new_name} or the deprecated {old_name}, not both", field=[*at, new_name])
    if new is not None:
        return str(new.value)
    if old is None:
        raise ValidationFailed(f"{new_name} is required", field=[*at, new_name])
    return old


def _aml_rule(r: AmlRuleSettingInput, i: int) -> dict[str, Any]:
    """One AML rule setting as the service reads it, its names taken from the typed or the deprecated fields."""
    at = ["amlRules", str(i)]
    parameters: dict[str, Any] = {}
    for j, p in enumerate(r.parameters):
        parameters[_either(p.name, p.parameter_name, [*at, "parameters", str(j)], "name", "parameterName")] = p.value
    return {
        "rule": _either(r.rule, r.rule_name, at, "rule", "ruleName"),
        "severity": _either(r.severity, r.alert_severity, at, "severity", "alertSeverity"),
        "action": _either(r.action, r.alert_action, at, "action", "alertAction"),
        "enabled": r.enabled, **parameters,
    }


def _values(input: CompliancePolicyInput) -> dict[str, Any]:
    """The input as the plain shape services.compliance.policy_admin checks."""
    values: dict[str, Any] = {"name": input.name, "countries": input.countries, "timezone": input.timezone}
    if input.large_transaction_thresholds is not None:
        values["thresholds"] = [{"currency": t.currency, "amount": t.amount} for t in input.large_transaction_thresholds]
    if input.tiers is not None:
        values["tiers"] = [
            {
                "tier": t.tier, "name": t.name, "crossBorder": t.cross_border,
                "limits": [{_LIMIT_NAMES.get(k, k): v for k, v in vars(l).items()} for l in t.limits],
            }
            for t in input.tiers
        ]
    if input.aml_rules is not None:
        values["aml_rules"] = [_aml_rule(r, i) for i, r in enumerate(input.aml_rules)]  # a list: the service refuses a rule named twice
    if input.strong_authentication is not None:
        values["strong_authentication"] = [
            {
                "operations": [op.value for op in r.operations],
                "aboveAmounts": [{"currency": a.currency, "amount": a.amount} for a in r.above_amounts],
                "require": r.require.value, "maxAgeSeconds": r.max_age_seconds,
            }
            for r in input.strong_authentication
        ]
    if input.cross_border is not None:
        values["cross_border"] = input.cross_border.as_section()
    return values


async def _create(input: CompliancePolicyInput, actor: str) -> PolicyRecord:
    # The input is read inside the awaited call, so that a malformed one is a VALIDATION userError.
    return await policy_admin.create_policy(jurisdiction=input.jurisdiction, values=_values(input), actor=actor)


async def _update(input: CompliancePolicyInput, actor: str) -> PolicyRecord:
    return await policy_admin.update_policy(jurisdiction=input.jurisdiction, values=_values(input), actor=actor)


@strawberry.type
class ComplianceQueries:
    @strawberry.field(
        permission_classes=requires("policies:read"),
        description="Bank staff, any role (policies:read): every regional policy pack, DEFAULT last.",
    )
    async def compliance_policies(self, info: Info) -> list[CompliancePolicy]:
        return [CompliancePolicy.from_record(row) for row in await policy_admin.list_policies()]


@strawberry.type
class ComplianceMutations:
    @strawberry.mutation(
        permission_classes=requires("policies:write"),
        description="Bank admin (policies:write): add a jurisdiction's pack; it governs postings planned after it"
        " commits.",
    )
    async def compliance_policy_create(
        self, info: Info,
        input: Annotated[CompliancePolicyInput, strawberry.argument(
            description="The new pack: every part but strongAuthentication is required."
        )],
    ) -> CompliancePolicyPayload:
        row, errors = await attempt(info, _create(input, actor_label(info)), detail=f"jurisdiction={input.jurisdiction}")
        return CompliancePolicyPayload(policy=CompliancePolicy.from_record(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("policies:write"),
        description="Bank admin (policies:write): replace the given parts of a pack (its version goes up); postings"
        " planned after it commits follow it.",
    )
    async def compliance_policy_update(
        self, info: Info,
        input: Annotated[CompliancePolicyInput, strawberry.argument(
            description="The pack's jurisdiction and the parts to replace (null parts stay as they are)."
        )],
    ) -> CompliancePolicyPayload:
        row, errors = await attempt(info, _update(input, actor_label(info)), detail=f"jurisdiction={input.jurisdiction}")
        return CompliancePolicyPayload(policy=CompliancePolicy.from_record(row) if row else None, user_errors=errors)
