"""GraphQL types of the regional policy packs and of a customer's limits."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.money import Money
from schema.common.scalars import Decimal
from services.compliance.policy_document import LIMIT_KINDS
from services.compliance.remaining_limits import CustomerLimits
from services.money import format_amount
from services.compliance.policy_record import PolicyRecord


def _decimal(minor: int | None, currency: str) -> str | None:
    return None if minor is None else format_amount(minor, currency)


@strawberry.type(description="One tier's limits in one currency (decimal strings; null = no such limit).")
class TierLimit:
    currency: str
    max_balance: Decimal | None  # type: ignore[valid-type]
    single_max: Decimal | None  # type: ignore[valid-type]
    daily: Decimal | None  # type: ignore[valid-type]
    monthly: Decimal | None  # type: ignore[valid-type]
    annual: Decimal | None  # type: ignore[valid-type]
    lifetime: Decimal | None  # type: ignore[valid-type]


@strawberry.type(description="A KYC tier of a pack: a customer without approved KYC is in the lowest.")
class PolicyTier:
    tier: int
    name: str
    cross_border: bool
    limits: list[TierLimit]


@strawberry.type
class AmlRuleParameter:
    name: str
    value: int


@strawberry.type(description="An AML rule as the pack configures it; amounts are basis points of the large-transaction threshold.")
class AmlRuleSetting:
    rule: str
    severity: str
    action: str
    enabled: bool
    parameters: list[AmlRuleParameter]


@strawberry.type(description="A jurisdiction's policy pack: tiers, limits, day boundary, reporting threshold, AML rules.")
class CompliancePolicy:
    jurisdiction: str
    name: str
    countries: list[str]
    timezone: str
    large_transaction_thresholds: list[Money]
    tiers: list[PolicyTier]
    aml_rules: list[AmlRuleSetting]
    version: int
    updated_by: str | None
    updated_at: datetime

    @classmethod
    def from_record(cls, row: PolicyRecord) -> CompliancePolicy:
        """The GraphQL view of a stored pack."""
        return cls(
            jurisdiction=row.jurisdiction, name=row.name, countries=list(row.countries), timezone=row.timezone,
            large_transaction_thresholds=[Money.of(int(v), k) for k, v in sorted(row.large_transaction_thresholds.items())],
            tiers=[
                PolicyTier(
                    tier=t["tier"], name=t["name"], cross_border=t["crossBorder"],
                    limits=[
                        TierLimit(currency=code, **{_snake(k): _decimal(l.get(k), code) for k in LIMIT_KINDS})
                        for code, l in sorted(t["limits"].items())
                    ],
                )
                for t in row.tiers
            ],
            aml_rules=[
                AmlRuleSetting(
                    rule=rule, severity=s["severity"], action=s["action"], enabled=s.get("enabled", True),
                    parameters=[
                        AmlRuleParameter(name=k, value=v) for k, v in sorted(s.items())
                        if k not in ("severity", "action", "enabled")
                    ],
                )
                for rule, s in sorted(row.aml_rules.items())
            ],
            version=row.version, updated_by=row.updated_by, updated_at=row.updated_at,
        )


def _snake(name: str) -> str:
    return {"maxBalance": "max_balance", "singleMax": "single_max"}.get(name, name)


@strawberry.type(description="How much of a limit is left in the current period (null = no such limit).")
class LimitRemaining:
    limit: Decimal | None  # type: ignore[valid-type]
    remaining: Decimal | None  # type: ignore[valid-type]


@strawberry.type(description="A customer's limits in one currency under its tier, and what remains of each now.")
class CustomerLimit:
    currency: str
    jurisdiction: str
    tier: int
    tier_name: str
    cross_border: bool
    allowed: bool = strawberry.field(description="False: the tier does not allow this currency (KYC_REQUIRED).")
    single_max: Decimal | None  # type: ignore[valid-type]
    max_balance: Decimal | None  # type: ignore[valid-type]
    daily: LimitRemaining
    monthly: LimitRemaining
    annual: LimitRemaining
    lifetime: LimitRemaining

    @classmethod
    def of(cls, view: CustomerLimits) -> CustomerLimit:
        """The GraphQL view of a customer's limits in one currency."""
        code = view.currency
        zero = format_amount(0, code)

        def left(period: str) -> LimitRemaining:
            if not view.covered:
                return LimitRemaining(limit=zero, remaining=zero)
            return LimitRemaining(limit=_decimal(getattr(view.limits, period), code), remaining=_decimal(view.remaining[period], code))

        return cls(
            currency=code, jurisdiction=view.jurisdiction, tier=view.tier, tier_name=view.tier_name,
            cross_border=view.cross_border, allowed=view.covered,
            single_max=_decimal(view.limits.single_max, code) if view.covered else zero,
            max_balance=_decimal(view.limits.max_balance, code) if view.covered else zero,
            daily=left("daily"), monthly=left("monthly"), annual=left("annual"), lifetime=left("lifetime"),
        )
