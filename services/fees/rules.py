"""Pure fee arithmetic and rule precedence. No database: quote and charge both call these.

Rounding: the variable part is amount x rate_bps / 10,000 rounded half up on
the minor unit (0.5 minor units and above round up); the fixed part is added,
then the fee is clamped to [fee_min, fee_max]. Integers throughout: Python's
integers do not overflow, and a fee that would not fit BIGINT is refused.

Precedence, highest first: a partner's own rule beats the bank's default;
then a rule naming one merchant beats one that does not; then the rule with
more selectors set (currency, corridor, destination country, customer kind,
merchant category, amount tier) beats a more general one. Two rules of
equal precedence that could both match are refused when created.

Who pays: a SENDER rule's fee comes on top of the amount, from the payer; a
RECEIVER rule (PAYMENT only: a merchant discount rate) is taken out of what
the merchant receives, and never exceeds the payment's amount. A payment
can carry both, each decided by its own rules (services.fees.merchant_fee).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.money import MAX_MINOR

# FX (services.fx.spread): rate_bps is the spread taken off the mid rate, fixed_minor a conversion fee in the sell
# currency; its currency selector is the currency SOLD.
FEE_KINDS = ("TOP_UP", "TRANSFER", "PAYMENT", "WITHDRAWAL", "INTERNATIONAL_TRANSFER", "FX")
CORRIDORS = ("DOMESTIC", "CROSS_BORDER")
# The routes a TOP_UP (both) or a WITHDRAWAL (a bank account only) may take through a payment rail.
ROUTES = {"TOP_UP": ("BANK_ACCOUNT", "CARD"), "WITHDRAWAL": ("BANK_ACCOUNT",)}
PAYERS = ("SENDER", "RECEIVER")
# What happens to a merchant (RECEIVER) fee when the payment is refunded.
REFUND_TREATMENTS = ("RETAINED", "RETURNED")
MAX_RATE_BPS = 10_000  # 100 %


@dataclass(frozen=True)
class RuleSpec:
    """A fee rule's terms, as stored (models.FeeRule) or proposed."""

    id: uuid.UUID | None
    partner_id: uuid.UUID | None
    kind: str
    currency: str | None
    corridor: str | None
    destination_country: str | None
    customer_kind: str | None
    amount_min_minor: int | None
    amount_max_minor: int | None
    fixed_minor: int
    rate_bps: int
    fee_min_minor: int
    fee_max_minor: int | None
    free_per_month: int
    effective_from: datetime
    effective_to: datetime | None
    payer: str = "SENDER"
    mcc: str | None = None
    merchant_id: uuid.UUID | None = None
    refund_treatment: str | None = None
    route: str | None = None

    @classmethod
    def of(cls, row: Any) -> RuleSpec:
        """The spec of a stored rule."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class FeeContext:
    partner_id: uuid.UUID | None
    kind: str
    currency: str
    amount_minor: int
    corridor: str
    destination_country: str | None
    customer_kind: str | None
    at: datetime
    payer: str = "SENDER"  # whose fee is being decided
    mcc: str | None = None  # a PAYMENT's merchant category
    merchant_id: uuid.UUID | None = None  # a PAYMENT's merchant
    route: str | None = None  # a TOP_UP's or WITHDRAWAL's rail route (BANK_ACCOUNT, CARD); None: instant


@dataclass(frozen=True)
class FeeDecision:
    fee_minor: int
    rule: RuleSpec | None
    breakdown: dict[str, Any] = field(default_factory=dict)


def precedence(rule: RuleSpec) -> tuple[int, int, int]:
    """How strongly a rule applies: (partner-specific, merchant-specific, number of other selectors set)."""
    selectors = sum(v is not None for v in (
        rule.currency, rule.corridor, rule.destination_country, rule.customer_kind, rule.mcc, rule.route))
    tier = 1 if rule.amount_min_minor is not None or rule.amount_max_minor is not None else 0
    return (1 if rule.partner_id is not None else 0, 1 if rule.merchant_id is not None else 0, selectors + tier)


def matches(rule: RuleSpec, ctx: FeeContext) -> bool:
    """Whether a rule applies to a transaction at ctx.at."""
    if rule.kind != ctx.kind or rule.payer != ctx.payer or (rule.partner_id is not None and rule.partner_id != ctx.partner_id):
        return False
    if rule.effective_from > ctx.at or (rule.effective_to is not None and rule.effective_to <= ctx.at):
        return False
    for wanted, actual in (
        (rule.currency, ctx.currency), (rule.corridor, ctx.corridor),
        (rule.destination_country, ctx.destination_country), (rule.customer_kind, ctx.customer_kind),
        (rule.mcc, ctx.mcc), (rule.merchant_id, ctx.merchant_id), (rule.route, ctx.route),
    ):
        if wanted is not None and wanted != actual:
            return False
    if rule.amount_min_minor is not None and ctx.amount_minor < rule.amount_min_minor:
        return False
    return rule.amount_max_minor is None or ctx.amount_minor < rule.amount_max_minor


def select_rule(rules: list[RuleSpec], ctx: FeeContext) -> RuleSpec | None:
    """The applicable rule of highest precedence (ties, refused at creation, fall to the newest)."""
    candidates = [r for r in rules if matches(r, ctx)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (precedence(r), r.effective_from, str(r.id)))


def compute_fee(rule: RuleSpec, amount_minor: int) -> int:
    """fixed + amount x rate (half up on the minor unit), clamped to [min, max]; never negative."""
    variable = (2 * amount_minor * rule.rate_bps + MAX_RATE_BPS) // (2 * MAX_RATE_BPS)
    fee = max(rule.fixed_minor + variable, rule.fee_min_minor)
    if rule.fee_max_minor is not None:
        fee = min(fee, rule.fee_max_minor)
    if fee < 0 or fee > MAX_MINOR:
        raise ValueError("fee out of range")
    return fee


def decide_fee(rules: list[RuleSpec], ctx: FeeContext, *, used_this_month: int) -> FeeDecision:
    """The fee for a transaction: its rule, the amount, and a breakdown to store with it."""
    rule = select_rule(rules, ctx)
    if rule is None:
        return FeeDecision(fee_minor=0, rule=None, breakdown={"rule_id": None, "fee_minor": 0, "reason": "no fee rule applies"})
    free = used_this_month < rule.free_per_month
    fee = 0 if free else compute_fee(rule, ctx.amount_minor)
    if rule.payer == "RECEIVER":
        # Taken out of what the merchant receives: a minimum fee above a small payment's amount takes it all, no more.
        fee = min(fee, ctx.amount_minor)
    breakdown = {
        "rule_id": str(rule.id) if rule.id else None, "scope": "partner" if rule.partner_id else "bank",
        "fee_kind": ctx.kind, "fixed_minor": rule.fixed_minor, "rate_bps": rule.rate_bps,
        "fee_min_minor": rule.fee_min_minor, "fee_max_minor": rule.fee_max_minor,
        "free_allowance_used": free, "fee_minor": fee,
    }
    if rule.payer == "RECEIVER":
        breakdown.update(payer="RECEIVER", refund_treatment=rule.refund_treatment or "RETAINED")
    return FeeDecision(fee_minor=fee, rule=rule, breakdown=breakdown)


def _compatible(a: object, b: object) -> bool:
    return a is None or b is None or a == b


def _intervals_meet(a_lo: Any, a_hi: Any, b_lo: Any, b_hi: Any) -> bool:
    return (a_hi is None or b_lo is None or b_lo < a_hi) and (b_hi is None or a_lo is None or a_lo < b_hi)


def overlaps(a: RuleSpec, b: RuleSpec) -> bool:
    """Whether one transaction could match both rules with equal precedence (refused at creation)."""
    if a.kind != b.kind or a.payer != b.payer or a.partner_id != b.partner_id or precedence(a) != precedence(b):
        return False
    selectors = ("currency", "corridor", "destination_country", "customer_kind", "mcc", "merchant_id", "route")
    if not all(_compatible(getattr(a, s), getattr(b, s)) for s in selectors):
        return False
    if not _intervals_meet(a.amount_min_minor, a.amount_max_minor, b.amount_min_minor, b.amount_max_minor):
        return False
    return _intervals_meet(a.effective_from, a.effective_to, b.effective_from, b.effective_to)
