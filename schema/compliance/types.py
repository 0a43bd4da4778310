"""GraphQL types of the regional policy packs and of a customer's limits."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.cross_border.policy_types import CrossBorderRules  # issue 14 part 7 (helper A)
from schema.aml.vocabulary import AmlAction, AmlRule, AmlSeverity
from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from schema.common.staff_ids import actor_label_view
from schema.common.scalars import Decimal
from schema.compliance.strong_auth import StrongAuthRule
from services.compliance.policy_document import LIMIT_KINDS
from services.compliance.remaining_limits import CustomerLimits
from services.money import format_amount
from services.compliance.policy_record import PolicyRecord


_SENT = (
    "The most a customer may send out in this currency (transfers and withdrawals from all its wallets, fees not"
    " counted; LIMIT_EXCEEDED beyond it)"
)


def _decimal(minor: int | None, currency: str) -> str | None:
    return None if minor is None else format_amount(minor, currency)


@strawberry.type(description="One tier's limits in one currency (decimal strings; null = no such limit).")
class TierLimit:
    currency: str = strawberry.field(description="The ISO 4217 code these limits are in, e.g. CNY.")
    max_balance: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="The highest balance a credit may bring one wallet of the tier's customer to (LIMIT_EXCEEDED"
        " otherwise); null: no maximum."
    )
    single_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="The most one transfer or withdrawal may send, fee not counted (LIMIT_EXCEEDED otherwise); null:"
        " no limit."
    )
    daily: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description=f"{_SENT} per day (midnight to midnight in the pack's timezone); null: no limit."
    )
    monthly: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description=f"{_SENT} per calendar month in the pack's timezone; null: no limit."
    )
    annual: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description=f"{_SENT} per calendar year in the pack's timezone; null: no limit."
    )
    lifetime: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description=f"{_SENT} ever; null: no limit."
    )


@strawberry.type(description="A KYC tier of a pack: a customer without approved KYC is in the lowest.")
class PolicyTier:
    tier: int = strawberry.field(
        description="The tier number (1 to 99). A customer is in the highest tier at or below its approved kycTier,"
        " else in the pack's lowest."
    )
    name: str = strawberry.field(description="The tier's display name, e.g. Class II.")
    cross_border: bool = strawberry.field(
        description="Whether its customers may pay customers in another country (KYC_REQUIRED otherwise); countries"
        " of the same pack do not count as another country."
    )
    limits: list[TierLimit] = strawberry.field(
        description="Its limits per currency; a currency not listed is closed to the tier's customers (KYC_REQUIRED)."
    )


@strawberry.enum(
    description="A numeric parameter of an AML rule. Each transaction rule takes its own set, all required:"
    " VELOCITY MAX_COUNT and WINDOW_MINUTES; STRUCTURING MIN_COUNT, WINDOW_HOURS and BAND_BPS; RAPID_PASS_THROUGH"
    " WINDOW_MINUTES, MIN_SHARE_BPS and AMOUNT_BPS; NEW_ACCOUNT_HIGH_VALUE ACCOUNT_AGE_DAYS and AMOUNT_BPS;"
    " DORMANT_REACTIVATION DORMANT_DAYS; LARGE_TRANSACTION none. Basis points are of the pack's large-transaction"
    " threshold unless said otherwise."
)
class AmlRuleParameterName(Enum):
    MAX_COUNT = strawberry.enum_value(
        "maxCount", description="VELOCITY: the most outgoing postings allowed in the window, 1 to 10000."
    )
    WINDOW_MINUTES = strawberry.enum_value(
        "windowMinutes",
        description="The window's length in minutes: VELOCITY 1 to 10080, RAPID_PASS_THROUGH 1 to 1440.",
    )
    MIN_COUNT = strawberry.enum_value(
        "minCount",
        description="STRUCTURING: how many amounts in the band within the window fire the rule (this one included),"
        " 2 to 100.",
    )
    WINDOW_HOURS = strawberry.enum_value("windowHours", description="STRUCTURING: the window's length in hours, 1 to 168.")
    BAND_BPS = strawberry.enum_value(
        "bandBps",
        description="STRUCTURING: how far under the threshold the band starts, in basis points of it, 1 to 5000.",
    )
    MIN_SHARE_BPS = strawberry.enum_value(
        "minShareBps",
        description="RAPID_PASS_THROUGH: the least share, in basis points, that the amount out must be of what came in"
        " and what came in of the amount out, 1 to 10000.",
    )
    AMOUNT_BPS = strawberry.enum_value(
        "amountBps",
        description="RAPID_PASS_THROUGH and NEW_ACCOUNT_HIGH_VALUE: the smallest outgoing amount that counts, in basis"
        " points of the threshold, 1 to 10000.",
    )
    ACCOUNT_AGE_DAYS = strawberry.enum_value(
        "accountAgeDays", description="NEW_ACCOUNT_HIGH_VALUE: a wallet younger than this many days is new, 1 to 365."
    )
    DORMANT_DAYS = strawberry.enum_value(
        "dormantDays",
        description="DORMANT_REACTIVATION: a wallet with no transaction for this many days is dormant, 1 to 3650.",
    )


@strawberry.type(description="One numeric parameter of an AML rule, e.g. VELOCITY's MAX_COUNT.")
class AmlRuleParameter:
    name: str = strawberry.field(
        description="The parameter's name, e.g. maxCount, windowMinutes or amountBps.",
        deprecation_reason="Use parameterName: the same parameter as the AmlRuleParameterName enum.",
    )
    value: int = strawberry.field(
        description="Its whole-number value: a count, minutes, hours, days or basis points, as its name says."
    )

    @strawberry.field(description="Which parameter of the rule this is.")
    def parameter_name(self) -> AmlRuleParameterName:
        return AmlRuleParameterName(self.name)


@strawberry.type(description="An AML rule as the pack configures it; amounts are basis points of the large-transaction threshold.")
class AmlRuleSetting:
    rule: str = strawberry.field(
        description="The rule: LARGE_TRANSACTION, VELOCITY, STRUCTURING, RAPID_PASS_THROUGH, NEW_ACCOUNT_HIGH_VALUE or"
        " DORMANT_REACTIVATION.",
        deprecation_reason="Use ruleName: the same rule as the AmlRule enum.",
    )
    severity: str = strawberry.field(
        description="LOW, MEDIUM or HIGH: the severity of the alerts the rule raises.",
        deprecation_reason="Use alertSeverity: the same value as the AmlSeverity enum.",
    )
    action: str = strawberry.field(
        description="ALERT (an alert is raised and the money moves) or HOLD (an alert is raised and the transaction is"
        " HELD for compliance review).",
        deprecation_reason="Use alertAction: the same value as the AmlAction enum.",
    )
    enabled: bool = strawberry.field(description="False: the rule is configured but does not run.")
    parameters: list[AmlRuleParameter] = strawberry.field(
        description="The rule's parameters, sorted by their stored camelCase name (the deprecated name field)."
    )

    @strawberry.field(description="The transaction rule configured (never SANCTIONS_SCREENING, which no pack sets).")
    def rule_name(self) -> AmlRule:
        return AmlRule(self.rule)

    @strawberry.field(description="The severity of the alerts the rule raises.")
    def alert_severity(self) -> AmlSeverity:
        return AmlSeverity(self.severity)

    @strawberry.field(
        description="What the rule does when it fires: ALERT (the money moves) or HOLD (the transaction is HELD for"
        " compliance review); its alerts carry the same action."
    )
    def alert_action(self) -> AmlAction:
        return AmlAction(self.action)


@strawberry.type(
    description="A jurisdiction's policy pack: tiers, limits, day boundary, reporting threshold, AML rules,"
    " strong customer authentication."
)
class CompliancePolicy(Node):
    jurisdiction: str = strawberry.field(
        description="The pack's jurisdiction code, e.g. CN, SG or US-NY; DEFAULT governs every country no other pack"
        " lists."
    )
    name: str = strawberry.field(description="The pack's display name.")
    countries: list[str] = strawberry.field(
        description="The ISO 3166-1 alpha-2 countries whose customers the pack governs (empty for DEFAULT); payments"
        " between two of them are not cross-border."
    )
    timezone: str = strawberry.field(
        description="The IANA timezone, e.g. Asia/Shanghai, whose midnight starts the days, months and years of the"
        " period limits."
    )
    large_transaction_thresholds: list[Money] = strawberry.field(
        description="Per currency, the large-transaction threshold: LARGE_TRANSACTION fires at or above it, and the"
        " other amount-based AML rules measure amounts in basis points of it."
    )
    tiers: list[PolicyTier] = strawberry.field(description="The KYC tiers and their limits, lowest tier first.")
    aml_rules: list[AmlRuleSetting] = strawberry.field(
        description="The AML rules run on each posting of the pack's customers, by rule name; a rule not listed does"
        " not run."
    )
    strong_authentication: list[StrongAuthRule] = strawberry.field(
        description="When a posting needs strong customer authentication (STEP_UP_REQUIRED otherwise);"
        " every rule that applies must be met."
    )
    cross_border: CrossBorderRules | None = strawberry.field(
        description="The rules for international transfers its customers send (refused and review countries, the"
        " annual quota, purpose codes); null when the pack has none."
    )
    version: int = strawberry.field(description="Starts at 1 and goes up by one with every change to the pack.")
    updated_by: str | None = strawberry.field(
        description='Who last created or changed the pack: "staff:" and the StaffUser global ID, or "system:shipped"'
        " for the bank's shipped defaults."
    )
    updated_at: datetime = strawberry.field(description="When the pack was last created or changed (UTC).")

    @classmethod
    def from_record(cls, row: PolicyRecord) -> CompliancePolicy:
        """The GraphQL view of a stored pack."""
        return cls(
            id=to_global_id("CompliancePolicy", row.jurisdiction), jurisdiction=row.jurisdiction, name=row.name, countries=list(row.countries), timezone=row.timezone,
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
            strong_authentication=[StrongAuthRule.of(rule) for rule in row.strong_authentication],
            version=row.version, updated_by=actor_label_view(row.updated_by), updated_at=row.updated_at,
            cross_border=CrossBorderRules.of(row.cross_border),
        )


def _snake(name: str) -> str:
    return {"maxBalance": "max_balance", "singleMax": "single_max"}.get(name, name)


@strawberry.type(description="How much of a limit is left in the current period (null = no such limit).")
class LimitRemaining:
    limit: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="The period's limit as a decimal string in the currency; null: no such limit."
    )
    remaining: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="What the customer may still send in the current period (limit minus what it sent, never below"
        " zero); null: no limit."
    )


@strawberry.type(description="A customer's limits in one currency under its tier, and what remains of each now.")
class CustomerLimit:
    currency: str = strawberry.field(description="The ISO 4217 code these limits are in.")
    jurisdiction: str = strawberry.field(
        description="The policy pack that governs the customer (by its country), e.g. CN or DEFAULT."
    )
    tier: int = strawberry.field(
        description="The pack tier the customer is in: the highest at or below its approved kycTier, else the lowest."
    )
    tier_name: str = strawberry.field(description="That tier's display name.")
    cross_border: bool = strawberry.field(
        description="Whether the tier lets the customer pay customers in another country (KYC_REQUIRED otherwise)."
    )
    allowed: bool = strawberry.field(description="False: the tier does not allow this currency (KYC_REQUIRED).")
    single_max: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="The most one transfer or withdrawal may send (fee not counted): the tier's, or the customer's own"
        " lower one. Null: no limit; zero when allowed is false."
    )
    max_balance: Decimal | None = strawberry.field(  # type: ignore[valid-type]
        description="The highest balance a credit may bring one of the customer's wallets in this currency to. Null:"
        " no maximum; zero when allowed is false."
    )
    daily: LimitRemaining = strawberry.field(
        description="Sent today (in the pack's timezone) against the daily limit: the tier's, or the customer's own"
        " lower one."
    )
    monthly: LimitRemaining = strawberry.field(description="Sent this calendar month (pack's timezone) against its limit.")
    annual: LimitRemaining = strawberry.field(description="Sent this calendar year (pack's timezone) against its limit.")
    lifetime: LimitRemaining = strawberry.field(description="Sent ever, in this currency, against the lifetime limit.")

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
