"""A coupon campaign's terms and the pure rules over them: what a coupon takes off a spend, and why it may not apply.

Nothing here reads the database. The reasons are the closed set COUPON_NOT_APPLICABLE carries (the API's
CouponNotApplicableReason enum): they are checked in a fixed order, so the first rule broken is the one named.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from models import CouponCampaign

ISSUERS = ("BANK", "PARTNER", "MERCHANT")
DISCOUNT_KINDS = ("FIXED", "PERCENTAGE")
REFUND_RULES = ("RESTORE", "FORFEIT")
MAX_BPS = 10_000


class Reason(str, Enum):
    """Why a coupon does not apply (COUPON_NOT_APPLICABLE's reason)."""

    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    BELOW_MINIMUM_SPEND = "BELOW_MINIMUM_SPEND"
    MERCHANT_EXCLUDED = "MERCHANT_EXCLUDED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    CUSTOMER_LIMIT_REACHED = "CUSTOMER_LIMIT_REACHED"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    NOT_STACKABLE = "NOT_STACKABLE"
    ALREADY_USED = "ALREADY_USED"
    NOT_CLAIMABLE = "NOT_CLAIMABLE"


@dataclass(frozen=True)
class Terms:
    """A campaign's terms as plain values."""

    id: uuid.UUID
    currency: str
    discount_kind: str
    amount_off_minor: int | None
    percent_off_bps: int | None
    max_discount_minor: int | None
    min_spend_minor: int
    merchant_ids: tuple[str, ...]
    mccs: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime
    stackable: bool

    @classmethod
    def of(cls, row: CouponCampaign) -> Terms:
        """The terms of a stored campaign."""
        return cls(id=row.id, currency=row.currency, discount_kind=row.discount_kind,
                   amount_off_minor=row.amount_off_minor, percent_off_bps=row.percent_off_bps,
                   max_discount_minor=row.max_discount_minor, min_spend_minor=row.min_spend_minor,
                   merchant_ids=tuple(row.merchant_ids or ()), mccs=tuple(row.mccs or ()), valid_from=row.valid_from,
                   valid_to=row.valid_to, stackable=row.stackable)


@dataclass(frozen=True)
class Spend:
    """What a coupon is applied to: a payment's amount, currency, merchant and time."""

    amount_minor: int
    currency: str
    merchant_id: uuid.UUID
    mcc: str | None
    at: datetime


def discount_minor(terms: Terms, amount_minor: int) -> int:
    """What the coupon takes off `amount_minor`: a fixed amount, or basis points rounded down and capped; never the
    whole amount (the payer always pays at least one minor unit)."""
    if terms.discount_kind == "FIXED":
        off = terms.amount_off_minor or 0
    else:
        # Integer arithmetic only: basis points of minor units, rounded down (the payer never gets a fraction).
        off = amount_minor * (terms.percent_off_bps or 0) // MAX_BPS
        if terms.max_discount_minor is not None:
            off = min(off, terms.max_discount_minor)
    return max(0, min(off, amount_minor - 1))


def refusal(terms: Terms, spend: Spend) -> Reason | None:
    """The first rule of the campaign's terms the spend breaks (None: the coupon applies)."""
    if not terms.valid_from <= spend.at < terms.valid_to:
        return Reason.OUTSIDE_WINDOW
    if spend.currency != terms.currency:
        return Reason.CURRENCY_MISMATCH
    if terms.merchant_ids and str(spend.merchant_id) not in terms.merchant_ids:
        return Reason.MERCHANT_EXCLUDED
    if terms.mccs and (spend.mcc or "") not in terms.mccs:
        return Reason.MERCHANT_EXCLUDED
    if spend.amount_minor < terms.min_spend_minor:
        return Reason.BELOW_MINIMUM_SPEND
    return None


def stacking_refusal(terms: list[Terms], with_points: bool) -> Reason | None:
    """NOT_STACKABLE when coupons of a non-stackable campaign are combined with points or another coupon."""
    if len({t.id for t in terms}) != len(terms):
        return Reason.NOT_STACKABLE  # two coupons of one campaign in one payment
    combined = len(terms) > 1 or (with_points and bool(terms))
    if combined and not all(t.stackable for t in terms):
        return Reason.NOT_STACKABLE
    return None
