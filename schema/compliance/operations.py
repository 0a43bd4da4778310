"""Policy packs for bank staff: read them (any staff role), create and change them (admin)."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.common.audit_actor import actor_label
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.scalars import Decimal
from schema.compliance.types import CompliancePolicy
from services.compliance import policy_admin


@strawberry.input
class MoneyAmountInput:
    currency: str
    amount: Decimal  # type: ignore[valid-type]


@strawberry.input(description="Decimal strings in the currency; omit (null) for no such limit.")
class TierLimitInput:
    currency: str
    max_balance: Decimal | None = None  # type: ignore[valid-type]
    single_max: Decimal | None = None  # type: ignore[valid-type]
    daily: Decimal | None = None  # type: ignore[valid-type]
    monthly: Decimal | None = None  # type: ignore[valid-type]
    annual: Decimal | None = None  # type: ignore[valid-type]
    lifetime: Decimal | None = None  # type: ignore[valid-type]


@strawberry.input
class PolicyTierInput:
    tier: int
    name: str
    cross_border: bool = False
    limits: list[TierLimitInput]


@strawberry.input
class AmlRuleParameterInput:
    name: str
    value: int


@strawberry.input
class AmlRuleSettingInput:
    rule: str
    severity: str
    action: str
    enabled: bool = True
    parameters: list[AmlRuleParameterInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Parts left null stay as they are (compliancePolicyUpdate); every part is required to create.")
class CompliancePolicyInput:
    jurisdiction: str
    name: str | None = None
    countries: list[str] | None = None
    timezone: str | None = None
    large_transaction_thresholds: list[MoneyAmountInput] | None = None
    tiers: list[PolicyTierInput] | None = None
    aml_rules: list[AmlRuleSettingInput] | None = None


@strawberry.type
class CompliancePolicyPayload:
    policy: CompliancePolicy | None
    user_errors: list[UserError]


_LIMIT_NAMES = {"max_balance": "maxBalance", "single_max": "singleMax"}


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
        rules: dict[str, Any] = {}
        for r in input.aml_rules:
            rules[r.rule] = {"severity": r.severity, "action": r.action, "enabled": r.enabled,
                             **{p.name: p.value for p in r.parameters}}
        values["aml_rules"] = rules
    return values


@strawberry.type
class ComplianceQueries:
    @strawberry.field(permission_classes=requires("policies:read"), description="Staff: every regional policy pack.")
    async def compliance_policies(self, info: Info) -> list[CompliancePolicy]:
        return [CompliancePolicy.from_record(row) for row in await policy_admin.list_policies()]


@strawberry.type
class ComplianceMutations:
    @strawberry.mutation(permission_classes=requires("policies:write"), description="Bank admin: add a jurisdiction's pack.")
    async def compliance_policy_create(self, info: Info, input: CompliancePolicyInput) -> CompliancePolicyPayload:
        row, errors = await attempt(
            info, policy_admin.create_policy(jurisdiction=input.jurisdiction, values=_values(input), actor=actor_label(info)),
            detail=f"jurisdiction={input.jurisdiction}",
        )
        return CompliancePolicyPayload(policy=CompliancePolicy.from_record(row) if row else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("policies:write"), description="Bank admin: change a pack (its version goes up).")
    async def compliance_policy_update(self, info: Info, input: CompliancePolicyInput) -> CompliancePolicyPayload:
        row, errors = await attempt(
            info, policy_admin.update_policy(jurisdiction=input.jurisdiction, values=_values(input), actor=actor_label(info)),
            detail=f"jurisdiction={input.jurisdiction}",
        )
        return CompliancePolicyPayload(policy=CompliancePolicy.from_record(row) if row else None, user_errors=errors)
