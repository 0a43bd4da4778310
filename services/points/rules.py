"""Earn rules, pure: which active rule applies to a spend, how many points it earns, within its caps, and how many a
refund claws back. No database.

Matching: a rule applies when its kind is the spend's kind, its campaign window (from inclusive, to exclusive)
holds the moment, and its merchant and category selectors (when set) are the spend's. The most specific applicable
rule wins: one naming a merchant beats one naming a category beats a general one; among equals, the one earning the
most points (the customer's best deal), then the oldest. One rule per spend: rules do not stack.

Points: floor(spend / unit) x points per unit (only whole units earn), then capped per transaction, then capped by
what the customer's month still allows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

EARN_KINDS = ("PAYMENT", "TRANSFER")


@dataclass(frozen=True)
class EarnRule:
    """A rule's terms (models.PointsEarnRule)."""

    id: uuid.UUID
    kind: str
    points_per_unit: int
    unit_minor: int
    mcc: str | None = None
    merchant_id: uuid.UUID | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    per_transaction_cap: int | None = None
    per_month_cap: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Spend:
    """What a customer spent: the kind, the amount in the programme's value currency, where and when."""

    kind: str
    amount_minor: int
    at: datetime
    mcc: str | None = None
    merchant_id: uuid.UUID | None = None


def applies(rule: EarnRule, spend: Spend) -> bool:
    """Whether the rule's kind, window and selectors all fit the spend."""
    return (rule.kind == spend.kind
            and (rule.valid_from is None or rule.valid_from <= spend.at)
            and (rule.valid_to is None or spend.at < rule.valid_to)
            and (rule.merchant_id is None or rule.merchant_id == spend.merchant_id)
            and (rule.mcc is None or rule.mcc == spend.mcc))


def uncapped_points(rule: EarnRule, amount_minor: int) -> int:
    """Points for the spend before caps: whole units only."""
    return (max(amount_minor, 0) // rule.unit_minor) * rule.points_per_unit


def best_rule(rules: list[EarnRule], spend: Spend) -> EarnRule | None:
    """The one rule that earns on this spend (most specific, then most points, then oldest), or None."""
    candidates = [r for r in rules if applies(r, spend)]
    if not candidates:
        return None
    oldest_first = sorted(candidates, key=lambda r: (r.created_at is None, r.created_at or datetime.min))
    return max(oldest_first, key=lambda r: (r.merchant_id is not None, r.mcc is not None,
                                            uncapped_points(r, spend.amount_minor)))


def points_for(rule: EarnRule, amount_minor: int, *, earned_this_month: int) -> int:
    """Points earned on one spend: whole units x points per unit, within the per-transaction and monthly caps."""
    points = uncapped_points(rule, amount_minor)
    if rule.per_transaction_cap is not None:
        points = min(points, rule.per_transaction_cap)
    if rule.per_month_cap is not None:
        points = min(points, max(rule.per_month_cap - earned_this_month, 0))
    return max(points, 0)


def clawback_points(*, earned: int, already_clawed: int, spend_minor: int, refunded_total_minor: int) -> int:
    """Points to take back now: floor(earned x refunded so far / spend) in all, less what was taken before.

    Proportional and cumulative, so several partial refunds take exactly what one refund of their sum would, and a
    full refund takes everything. Rounded down: a fraction of a point stays with the customer.
    """
    if spend_minor <= 0:
        return 0
    refunded = min(max(refunded_total_minor, 0), spend_minor)
    return max(earned * refunded // spend_minor - already_clawed, 0)
