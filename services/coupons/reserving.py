"""Reserving coupons for a payment: in the payment's own posting statement, as claims on three rows per coupon.

The coupons, their campaigns and the payer's use counts are read in one statement (nothing locked) and every rule
is checked on them (`decide`). The reservation is then three claims the posting makes in the same statement that
moves the money (services.ledger.side_writes.RowClaim), each re-checked on the row as it is when locked:
- the coupon is still ISSUED (made REDEEMED for this payment, with its discount), else ALREADY_USED;
- the campaign's used budget plus the discount is still within its budget (raised by it), else BUDGET_EXHAUSTED;
- the payer's coupon_use row for the campaign is still below the per-customer limit (raised by one), else
  CUSTOMER_LIMIT_REACHED.
All three or none, with the payment: concurrent payments can never spend more than a budget nor redeem more than
the limit, and nothing stays locked between round trips (the posting locks claimed rows in one order, table then
id, before any account, so two payments never deadlock on them). A campaign's terms never change once created.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from services.coupons.terms import Reason, Spend, Terms, discount_minor, refusal, stacking_refusal
from services.coupons.uses import ensure_use
from services.db.sql import as_datetime, as_uuid, fetch
from services.errors import CouponNotApplicable, NotFound, ValidationFailed
from services.ledger.announce import money
from services.ledger.plan import FundedParts
from services.ledger.side_writes import RowClaim, RowInsert, event_insert

MAX_COUPONS = 5


@dataclass(frozen=True)
class Applied:
    """One coupon applied to a payment: its campaign's budget account pays `discount_minor`; `index` is its place
    in the payment's couponIds, `use_id` the payer's coupon_use row for its campaign."""

    coupon_id: uuid.UUID
    campaign_id: uuid.UUID
    budget_account_id: int
    discount_minor: int
    index: int = 0
    use_id: uuid.UUID | None = None
    per_customer_limit: int = 0

    def claims(self, *, payment_id: uuid.UUID, at: datetime) -> tuple[RowClaim, ...]:
        """The coupon, its campaign's budget and the payer's use count, claimed by the payment's posting."""
        assert self.use_id is not None
        refuse = functools.partial(_refuse, index=self.index, coupon_id=self.coupon_id)
        return (
            RowClaim(table="coupon", row_id=self.coupon_id, condition="status = 'ISSUED'",
                     assignment="status = 'REDEEMED', payment_id = $1, discount_minor = $2, redeemed_at = $3",
                     values=(payment_id, self.discount_minor, at),
                     refusal=functools.partial(refuse, Reason.ALREADY_USED, _ALREADY_USED)),
            RowClaim(table="coupon_campaign", row_id=self.campaign_id, condition="budget_used_minor + $1 <= budget_minor",
                     assignment="budget_used_minor = budget_used_minor + $1", values=(self.discount_minor,),
                     refusal=functools.partial(refuse, Reason.BUDGET_EXHAUSTED, _NO_BUDGET)),
            # The limit as read with the campaign (it never changes): the row's count is checked as it is when locked.
            RowClaim(table="coupon_use", row_id=self.use_id, condition="used < $1", assignment="used = used + 1",
                     values=(self.per_customer_limit,),
                     refusal=functools.partial(refuse, Reason.CUSTOMER_LIMIT_REACHED, _LIMIT_REACHED)),
        )


# Each refusal's message, said alike whether the rules refused on the read or a claim on the locked row.
_ALREADY_USED = "the coupon was already used"
_NO_BUDGET = "the campaign's budget cannot fund this discount"
_LIMIT_REACHED = "the customer has used as many coupons of this campaign as it may"


@dataclass(frozen=True)
class Discounts:
    """The coupons applied to a payment and what they take off it."""

    applied: tuple[Applied, ...]

    @property
    def total_minor(self) -> int:
        """The whole coupon discount."""
        return sum(a.discount_minor for a in self.applied)

    @property
    def funded(self) -> FundedParts | None:
        """The discount legs' accounts: each campaign's budget account pays its coupon's discount."""
        parts: dict[int, int] = {}
        for a in self.applied:
            if a.discount_minor:
                parts[a.budget_account_id] = parts.get(a.budget_account_id, 0) + a.discount_minor
        return FundedParts(tuple(sorted(parts.items()))) if parts else None

    def claims(self, *, payment_id: uuid.UUID, at: datetime) -> tuple[RowClaim, ...]:
        """Every coupon's three claims, coupon by coupon in the order given (the first failing one is named)."""
        return tuple(c for a in self.applied for c in a.claims(payment_id=payment_id, at=at))


NO_DISCOUNTS = Discounts(())


def checked_ids(coupon_ids: list[uuid.UUID | None]) -> list[uuid.UUID]:
    """The coupon ids given (each once, at most MAX_COUPONS); a malformed id is NOT_FOUND."""
    if len(coupon_ids) > MAX_COUPONS:
        raise ValidationFailed(f"at most {MAX_COUPONS} coupons per payment", field=["couponIds"])
    for i, coupon_id in enumerate(coupon_ids):
        if coupon_id is None:
            raise NotFound("coupon not found", field=["couponIds", str(i)])
    if len(set(coupon_ids)) != len(coupon_ids):
        raise ValidationFailed("a coupon is given twice", field=["couponIds"])
    return [c for c in coupon_ids if c is not None]


@dataclass(frozen=True)
class _Given:
    """A coupon given for a payment, as read: its id, status, campaign and the payer's use row for it."""

    id: uuid.UUID
    status: str
    campaign: _Campaign
    use_id: uuid.UUID | None
    used: int


def _refuse(reason: Reason, message: str, *, index: int, coupon_id: uuid.UUID) -> CouponNotApplicable:
    """COUPON_NOT_APPLICABLE for the index-th coupon given."""
    return CouponNotApplicable(message, reason=reason.value, coupon_id=coupon_id, field=["couponIds", str(index)])


def _allot(terms: list[Terms], amount_minor: int, other_minor: int) -> list[int]:
    """Each coupon's discount on the amount, in the order given; together with the other discounts (points) they
    never cover the whole amount (the payer pays at least one minor unit)."""
    left = amount_minor - 1 - other_minor
    allotted = []
    for t in terms:
        d = max(0, min(discount_minor(t, amount_minor), left))
        allotted.append(d)
        left -= d
    return allotted


async def decide(*, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], spend: Spend, with_points: bool,
                 rows: list[dict[str, Any]] | None = None) -> Discounts:
    """What the coupons take off, every rule checked in order on rows read now (nothing locked or written): a
    quote's answer, or a payment's, which then claims them in its posting (`Discounts.claims`).

    rows: the coupons as the caller already read them with COUPON_SELECT (services.coupons.discount_reads), else
    they are read here."""
    if not coupon_ids:
        return NO_DISCOUNTS
    given = _given_of(rows, coupon_ids) if rows is not None else await _read(customer_id, coupon_ids)
    if any(g.use_id is None for g in given):
        # A coupon issued before its (campaign, customer) row existed: made now (migration 0039 made every older
        # pair's, services.coupons.uses every newer one's), then read again.
        for g in given:
            if g.use_id is None:
                await ensure_use(connections.get("default"), campaign_id=g.campaign.id, customer_id=customer_id)
        given = await _read(customer_id, coupon_ids)
    return _apply(given, spend, with_points)


async def _read(customer_id: uuid.UUID, ids: list[uuid.UUID]) -> list[_Given]:
    """The payer's own coupons in the order given (another customer's is NOT_FOUND), with their campaigns and the
    payer's use rows: one statement."""
    rows = await fetch(connections.get("default"), f"SELECT {COUPON_SELECT} {coupons_from(1, 2, len(ids))}",
                       [customer_id, *ids])
    return _given_of(rows, ids)


def _given_of(rows: list[dict[str, Any]], ids: list[uuid.UUID]) -> list[_Given]:
    """The coupons given, in order, from their rows (a coupon without a row is not the payer's: NOT_FOUND)."""
    found = {as_uuid(r["coupon_id"]): r for r in rows}
    for i, coupon_id in enumerate(ids):
        if coupon_id not in found:
            raise NotFound("coupon not found", field=["couponIds", str(i)])
    return [_Given(id=i, status=found[i]["status"], campaign=_Campaign.of(found[i]),
                   use_id=as_uuid(found[i]["use_id"]) if found[i]["use_id"] is not None else None,
                   used=int(found[i]["used"] or 0)) for i in ids]


def _apply(given: list[_Given], spend: Spend, with_points: bool) -> Discounts:
    """Every rule in order on the coupons as read, with their campaigns and the payer's use counts: the discounts."""
    terms = [Terms.of(g.campaign) for g in given]  # type: ignore[arg-type]
    stacking = stacking_refusal(terms, with_points)
    if stacking is not None:
        raise _refuse(stacking, "these coupons cannot be combined with each other or with points", index=0,
                      coupon_id=given[0].id)
    allotted = _allot(terms, spend.amount_minor, 0)
    applied = []
    for i, (coupon, t, d) in enumerate(zip(given, terms, allotted, strict=True)):
        campaign = coupon.campaign
        if coupon.status != "ISSUED":
            raise _refuse(Reason.ALREADY_USED, _ALREADY_USED, index=i, coupon_id=coupon.id)
        reason = refusal(t, spend)
        if reason is not None:
            raise _refuse(reason, "the coupon does not apply to this payment", index=i, coupon_id=coupon.id)
        if coupon.used >= campaign.per_customer_limit:
            raise _refuse(Reason.CUSTOMER_LIMIT_REACHED, _LIMIT_REACHED, index=i, coupon_id=coupon.id)
        if campaign.budget_used_minor + d > campaign.budget_minor:
            raise _refuse(Reason.BUDGET_EXHAUSTED, _NO_BUDGET, index=i, coupon_id=coupon.id)
        applied.append(Applied(coupon_id=coupon.id, campaign_id=campaign.id, budget_account_id=campaign.budget_account_id,
                               discount_minor=d, index=i, use_id=coupon.use_id,
                               per_customer_limit=campaign.per_customer_limit))
    return Discounts(tuple(applied))


_CAMPAIGN_COLUMNS = ("id", "currency", "discount_kind", "amount_off_minor", "percent_off_bps", "max_discount_minor",
                     "min_spend_minor", "merchant_ids", "mccs", "valid_from", "valid_to", "stackable", "budget_minor",
                     "budget_used_minor", "per_customer_limit", "budget_account_id")
# The payer's coupons with their campaigns and the payer's use row per campaign: what is selected, and from where.
COUPON_COLUMNS = ("coupon_id", "status", *_CAMPAIGN_COLUMNS, "use_id", "used")
COUPON_SELECT = "k.id AS coupon_id, k.status, " + ", ".join(f"c.{n}" for n in _CAMPAIGN_COLUMNS) + ", u.id AS use_id, u.used"


def coupons_from(customer_param: int, first_id_param: int, count: int) -> str:
    """FROM and WHERE of the payer's coupons: the customer's id and the coupons' ids are the numbered parameters."""
    marks = ", ".join(f"${i}" for i in range(first_id_param, first_id_param + count))
    return ("FROM coupon k JOIN coupon_campaign c ON c.id = k.campaign_id"
            " LEFT JOIN coupon_use u ON u.campaign_id = k.campaign_id AND u.customer_id = k.customer_id"
            f" WHERE k.customer_id = ${customer_param} AND k.id IN ({marks})")


@dataclass(frozen=True)
class _Campaign:
    """A campaign as read with the payer's coupons: what Terms.of and the budget and limit checks use."""

    id: uuid.UUID
    currency: str
    discount_kind: str
    amount_off_minor: int | None
    percent_off_bps: int | None
    max_discount_minor: int | None
    min_spend_minor: int
    merchant_ids: list[str]
    mccs: list[str]
    valid_from: datetime
    valid_to: datetime
    stackable: bool
    budget_minor: int
    budget_used_minor: int
    per_customer_limit: int
    budget_account_id: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> _Campaign:
        """From the statement's row (asyncpg gives jsonb as text; SQLite gives text for ids, JSON and times)."""
        values = {n: row[n] for n in _CAMPAIGN_COLUMNS}
        for n in ("merchant_ids", "mccs"):
            values[n] = json.loads(values[n]) if isinstance(values[n], str) else values[n]
        values["id"] = as_uuid(values["id"])
        values["stackable"] = bool(values["stackable"])
        for n in ("valid_from", "valid_to"):
            values[n] = as_datetime(values[n])
        for n in ("amount_off_minor", "percent_off_bps", "max_discount_minor"):
            values[n] = int(values[n]) if values[n] is not None else None
        for n in ("min_spend_minor", "budget_minor", "budget_used_minor", "per_customer_limit", "budget_account_id"):
            values[n] = int(values[n])
        return cls(**values)


def redeemed_events(discounts: Discounts, *, customer_id: uuid.UUID, payment_id: uuid.UUID,
                    partner_id: uuid.UUID | None, currency: str, at: datetime) -> tuple[RowInsert, ...]:
    """The coupon.redeemed events of a reservation, written by the payment's posting (held or not: the coupon is
    reserved either way)."""
    return tuple(event_insert(
        type="coupon.redeemed", partner_id=partner_id, object_type="Coupon", object_id=a.coupon_id, payload={
            "couponId": str(a.coupon_id), "campaignId": str(a.campaign_id), "customerId": str(customer_id),
            "paymentId": str(payment_id), "amount": money(a.discount_minor, currency)},
        at=at, only_if_posted=False) for a in discounts.applied)
