"""GraphQL types of fee rules, quotes, fee lines and revenue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.common.context import Info
from schema.common.enums import CustomerKind
from schema.common.money import Money
from schema.common.permissions import Authenticated, requires, staff_needs
from schema.common.relay import Node, to_global_id
from schema.fees.enums import FeeCorridor, FeeKind, FeePayer, FeeRoute, FeeRuleScope, RefundTreatment
from schema.fees.loaders import fee_loaders
from schema.partners.types import Partner
from services.fees.lines import FeeLineFact, fee_lines
from services.fees.rules import RuleSpec
from services.money import format_amount


def _legacy_amount(minor: int | None, currency: str | None) -> str | None:
    """The deprecated String amounts: a decimal string when the rule has a currency, else minor units."""
    if minor is None:
        return None
    return format_amount(minor, currency) if currency else str(minor)


def _rule_money(minor: int | None, currency: str | None) -> Money | None:
    """A rule's amount as Money; null when unset or when the rule has no currency (then it charges a rate only)."""
    if minor is None or currency is None:
        return None
    return Money.of(minor, currency)


_RATE_ONLY = " Null when the rule has no currency (such a rule charges a rate only: rateBps)."


@strawberry.type(
    description="A fee rule: fixedFee + amount x rateBps / 10,000, clamped to [minimumFee, maximumFee]. Money amounts"
    " are in the rule's currency; a rule without a currency can only charge a rate."
)
class FeeRule(Node):
    scope: str = strawberry.field(
        description="BANK (the default schedule) or PARTNER.",
        deprecation_reason="Use ruleScope: the same value as the FeeRuleScope enum.",
    )
    kind: str = strawberry.field(
        description="The kind of transaction the rule charges, as a string.",
        deprecation_reason="Use feeKind: the same value as the FeeKind enum.",
    )
    currency: str | None = strawberry.field(
        description="Only transactions in this currency (ISO 4217 code); null: any currency (a rate-only rule)."
    )
    corridor: str | None = strawberry.field(
        description="Only this corridor (DOMESTIC or CROSS_BORDER), as a string; null: either.",
        deprecation_reason="Use corridorFilter: the same value as the FeeCorridor enum.",
    )
    destination_country: str | None = strawberry.field(
        description="Only transactions to this country (ISO 3166-1 alpha-2); null: any destination."
    )
    customer_kind: str | None = strawberry.field(
        description="Only customers of this kind (INDIVIDUAL or BUSINESS), as a string; null: any customer.",
        deprecation_reason="Use customerKindFilter: the same value as the CustomerKind enum.",
    )
    amount_min: str | None = strawberry.field(
        description="The amount tier's lower bound (inclusive) as a decimal string; null: no lower bound.",
        deprecation_reason="Use minimumAmount: the same bound as Money.",
    )
    amount_max: str | None = strawberry.field(
        description="The amount tier's upper bound (exclusive) as a decimal string; null: no upper bound.",
        deprecation_reason="Use maximumAmount: the same bound as Money.",
    )
    fixed: str = strawberry.field(
        description="The fixed part of the fee as a decimal string (minor units when the rule has no currency).",
        deprecation_reason="Use fixedFee: the same amount as Money.",
    )
    rate_bps: int = strawberry.field(description="The variable part: basis points of the amount (100 = 1 %).")
    fee_min: str = strawberry.field(
        description="The lowest fee the rule charges, as a decimal string (minor units when the rule has no currency).",
        deprecation_reason="Use minimumFee: the same amount as Money.",
    )
    fee_max: str | None = strawberry.field(
        description="The highest fee the rule charges, as a decimal string; null: no cap.",
        deprecation_reason="Use maximumFee: the same amount as Money.",
    )
    free_per_month: int = strawberry.field(
        description="How many transactions of this kind a customer makes free each calendar month before it charges."
    )
    effective_from: datetime = strawberry.field(description="When the rule starts to apply (inclusive).")
    effective_to: datetime | None = strawberry.field(description="When the rule stops applying (exclusive); null: open-ended.")
    rule_scope: FeeRuleScope = strawberry.field(
        description="Whose schedule the rule belongs to: the bank's default, or one partner's own (see partner)."
    )
    fee_kind: FeeKind = strawberry.field(description="The kind of transaction the rule charges.")
    corridor_filter: FeeCorridor | None = strawberry.field(
        description="The rule applies only to transactions in this corridor; null: either corridor."
    )
    customer_kind_filter: CustomerKind | None = strawberry.field(  # type: ignore[valid-type]
        description="The rule applies only to customers of this kind; null: any customer."
    )
    minimum_amount: Money | None = strawberry.field(
        description="The amount tier's lower bound: the rule applies to amounts at or above it. Null: no lower bound."
    )
    maximum_amount: Money | None = strawberry.field(
        description="The amount tier's upper bound: the rule applies to amounts strictly below it. Null: no upper bound."
    )
    fixed_fee: Money | None = strawberry.field(
        description="The fixed part of the fee (0 when the rule has none)." + _RATE_ONLY
    )
    minimum_fee: Money | None = strawberry.field(
        description="The lowest fee the rule charges (0 when it sets none)." + _RATE_ONLY
    )
    maximum_fee: Money | None = strawberry.field(
        description="The highest fee the rule charges. Null when it sets no cap, or when the rule has no currency."
    )
    payer: FeePayer = strawberry.field(
        description="Who pays: SENDER (the payer, on top of the amount) or RECEIVER (PAYMENT only: the merchant)."
    )
    mcc: str | None = strawberry.field(
        description="PAYMENT only: the rule applies to merchants of this ISO 18245 category; null: any category."
    )
    merchant_id: strawberry.ID | None = strawberry.field(
        description="PAYMENT only: the rule applies to this one merchant (a Merchant global ID), ahead of any rule that"
        " names none; null: any merchant."
    )
    refund_treatment: RefundTreatment | None = strawberry.field(
        description="RECEIVER rules: what a refund does to the merchant's fee (RETAINED or RETURNED); null for SENDER"
        " rules, whose fee a refund never gives back."
    )
    route: FeeRoute | None = strawberry.field(
        description="TOP_UP and WITHDRAWAL only: the rule applies to this rail route (a linked bank account or card);"
        " null: any route, the instant one (no funding source) included."
    )
    _spec: strawberry.Private[RuleSpec]

    @classmethod
    def from_spec(cls, rule: RuleSpec) -> FeeRule:
        """The GraphQL view of a rule."""
        cur = rule.currency
        return cls(
            id=to_global_id("FeeRule", rule.id),  # type: ignore[arg-type]
            scope="PARTNER" if rule.partner_id else "BANK", kind=rule.kind, currency=cur, corridor=rule.corridor,
            destination_country=rule.destination_country, customer_kind=rule.customer_kind,
            amount_min=_legacy_amount(rule.amount_min_minor, cur), amount_max=_legacy_amount(rule.amount_max_minor, cur),
            fixed=_legacy_amount(rule.fixed_minor, cur) or "0", rate_bps=rule.rate_bps,
            fee_min=_legacy_amount(rule.fee_min_minor, cur) or "0", fee_max=_legacy_amount(rule.fee_max_minor, cur),
            free_per_month=rule.free_per_month, effective_from=rule.effective_from, effective_to=rule.effective_to,
            rule_scope=FeeRuleScope.PARTNER if rule.partner_id else FeeRuleScope.BANK,
            fee_kind=FeeKind(rule.kind),
            corridor_filter=FeeCorridor(rule.corridor) if rule.corridor else None,
            customer_kind_filter=CustomerKind(rule.customer_kind) if rule.customer_kind else None,
            minimum_amount=_rule_money(rule.amount_min_minor, cur), maximum_amount=_rule_money(rule.amount_max_minor, cur),
            fixed_fee=_rule_money(rule.fixed_minor, cur), minimum_fee=_rule_money(rule.fee_min_minor, cur),
            maximum_fee=_rule_money(rule.fee_max_minor, cur),
            payer=FeePayer(rule.payer), mcc=rule.mcc,
            merchant_id=to_global_id("Merchant", rule.merchant_id) if rule.merchant_id else None,  # type: ignore[arg-type]
            refund_treatment=RefundTreatment(rule.refund_treatment) if rule.refund_treatment else None,
            route=FeeRoute(rule.route) if rule.route else None,
            _spec=rule,
        )

    @strawberry.field(
        permission_classes=[*requires("fees:read"), staff_needs("partners:read")],
        description="The partner whose own rule this is; null for the bank's default schedule.",
    )
    async def partner(self, info: Info) -> Partner | None:
        if self._spec.partner_id is None:
            return None
        record = await fee_loaders(info).partner.load(self._spec.partner_id)
        return Partner.from_record(record) if record is not None else None


@strawberry.type(description="One part of a fee: what it was charged as, how much, and the rule that set it.")
class FeeLine:
    kind: FeeKind = strawberry.field(
        permission_classes=[Authenticated],
        description="What the fee was charged as (a transfer across countries is INTERNATIONAL_TRANSFER).",
    )
    amount: Money = strawberry.field(
        permission_classes=[Authenticated],
        description="The fee of this line, in the transaction's currency (0 when a free allowance covered it).",
    )
    free_allowance_used: bool = strawberry.field(
        permission_classes=[Authenticated],
        description="True when the rule's monthly free allowance (freePerMonth) made this transaction free.",
    )
    paid_by: FeePayer = strawberry.field(
        permission_classes=[Authenticated],
        description="Who pays this line: SENDER (the payer) or RECEIVER (the merchant; negative when a refund gives"
        " it back).",
    )
    _rule_id: strawberry.Private[uuid.UUID | None]
    _rule: strawberry.Private[RuleSpec | None] = None

    @strawberry.field(
        permission_classes=requires("fees:read"),
        description="The rule that set this line, as it was then (a rule ended since still answers); null when the"
        " caller may not see it.",
    )
    async def rule(self, info: Info) -> FeeRule | None:
        if self._rule is not None:
            return FeeRule.from_spec(self._rule)
        if self._rule_id is None:
            return None
        spec = await fee_loaders(info).rule.load(self._rule_id)
        return FeeRule.from_spec(spec) if spec is not None else None

    @classmethod
    def of(cls, fact: FeeLineFact, currency: str, rule: RuleSpec | None = None) -> FeeLine:
        """The GraphQL view of one fee line (rule: the rule already in hand, when it is this line's)."""
        known = rule if rule is not None and rule.id == fact.rule_id else None
        return cls(
            kind=FeeKind(fact.kind), amount=Money.of(fact.fee_minor, currency),
            free_allowance_used=fact.free_allowance_used, paid_by=FeePayer(fact.payer), _rule_id=fact.rule_id,
            _rule=known,
        )


def fee_line_views(
    breakdown: dict[str, Any] | None, *, currency: str, fallback_kind: str | None, rule: RuleSpec | None = None
) -> list[FeeLine]:
    """The fee lines of a stored or quoted breakdown ([] when no rule applied)."""
    return [FeeLine.of(fact, currency, rule) for fact in fee_lines(breakdown, fallback_kind=fallback_kind)]


def public_breakdown(breakdown: dict[str, Any] | None) -> dict[str, Any] | None:
    """A breakdown as the deprecated JSON fields show it: the payer's fee only (a merchant's fee is the merchant's
    business), its rule named by its global ID, never a raw id."""
    if breakdown:
        breakdown = {k: v for k, v in breakdown.items() if k not in ("merchant", "partner_id")}
    if not breakdown or not breakdown.get("rule_id"):
        return breakdown
    try:
        rule_id = uuid.UUID(str(breakdown["rule_id"]))
    except ValueError:
        return {**breakdown, "rule_id": None}
    return {**breakdown, "rule_id": to_global_id("FeeRule", rule_id)}


@strawberry.type(description="What a transaction would cost now; the posting charges exactly this for the same inputs.")
class FeeQuote:
    fee_kind: str = strawberry.field(
        description="The kind charged (a transfer across countries is INTERNATIONAL_TRANSFER); NONE when the schedule"
        " holds no rule of the kind asked."
    )
    amount: Money = strawberry.field(description="The amount quoted, as asked.")
    fee: Money = strawberry.field(description="The fee the transaction would be charged (the sum of lines).")
    total_debit: Money = strawberry.field(
        description="Amount plus fee: what leaves the paying wallet (a top-up instead credits amount minus fee)."
    )
    rule: FeeRule | None = strawberry.field(permission_classes=requires("fees:read"), description="The rule that set the fee (null: none applies).")
    breakdown: JSON = strawberry.field(
        description="How the fee was computed, as untyped JSON (rule_id is the rule's global ID).",
        deprecation_reason="Use lines: the same breakdown as typed FeeLine values.",
    )
    lines: list[FeeLine] = strawberry.field(
        description="The fee, line by line, with the rule that set each line; empty when no rule applies."
    )
    merchant_fee: Money | None = strawberry.field(
        description="With merchantId: the merchant's fee (RECEIVER rules), out of what the merchant receives; null"
        " without merchantId, or when the caller is not the merchant's partner nor bank staff."
    )
    merchant_lines: list[FeeLine] = strawberry.field(
        description="The merchant's fee line by line (empty when merchantFee is null or no RECEIVER rule applies)."
    )
    discount: Money | None = strawberry.field(
        default=None,
        description="Issue 15: with couponIds or pointsToRedeem on a PAYMENT, what they would take off (coupons and"
        " points together; totalDebit is net of it); null when none was asked.",
    )


@strawberry.type(description="Fees charged in a period for one group (and one currency: amounts never mix currencies).")
class FeeRevenueLine:
    group: str = strawberry.field(
        description="The group: a Partner's global ID (groupBy PARTNER), a FeeKind (KIND), a currency code (CURRENCY)"
        " or a UTC day YYYY-MM-DD (DAY)."
    )
    revenue: Money = strawberry.field(description="The fees charged in the group, in its currency.")
    transactions: int = strawberry.field(
        description="How many charges the group holds: a payment with a payer's and a merchant's fee counts twice, a refund"
        " giving a merchant fee back once."
    )
    _partner_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(
        permission_classes=requires("partners:read"),
        description="The partner of the group when grouped by PARTNER; null for every other grouping.",
    )
    async def partner(self, info: Info) -> Partner | None:
        if self._partner_id is None:
            return None
        record = await fee_loaders(info).partner.load(self._partner_id)
        return Partner.from_record(record) if record is not None else None


def quote_view(quote: Any) -> FeeQuote:
    """The GraphQL view of a services.fees.quote.FeeQuote."""
    rule = quote.fee.decision.rule
    breakdown = quote.fee.breakdown
    return FeeQuote(
        fee_kind=quote.fee.kind or "NONE",
        amount=Money.of(quote.amount_minor, quote.currency),
        fee=Money.of(quote.fee.fee_minor, quote.currency),
        total_debit=Money.of(quote.total_debit_minor, quote.currency),
        rule=FeeRule.from_spec(rule) if rule else None,
        breakdown=public_breakdown(breakdown),
        lines=fee_line_views(breakdown, currency=quote.currency, fallback_kind=quote.fee.kind or None, rule=rule),
        merchant_fee=Money.of(quote.merchant_fee.fee_minor, quote.currency) if quote.merchant_fee else None,
        merchant_lines=fee_line_views(quote.merchant_fee.breakdown, currency=quote.currency, fallback_kind="PAYMENT")
        if quote.merchant_fee else [],
        discount=Money.of(quote.discount_minor, quote.currency) if getattr(quote, "discount_minor", 0) else None,
    )
