"""Reserving coupons for a payment, inside the payment's own database transaction, under the campaigns' row locks.

Every redemption of a campaign locks that campaign's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs
one writer at a time), then re-reads the coupon, counts the customer's redeemed coupons and checks the budget on
the locked row: concurrent payments can never spend more than the budget nor redeem more than the per-customer
limit. The reservation (budget_used_minor raised, the coupon REDEEMED, coupon.redeemed written) commits with the
payment's posting or rolls back with it. Campaigns are locked in id order, so two payments never deadlock on them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Coupon, CouponCampaign
from services import clock
from services.coupons.issuing import lock_campaign
from services.coupons.terms import Reason, Spend, Terms, discount_minor, refusal, stacking_refusal
from services.db.sql import execute
from services.errors import CouponNotApplicable, NotFound, ValidationFailed
from services.events import record_domain_event
from services.ledger.announce import money
from services.ledger.plan import FundedParts

MAX_COUPONS = 5
USED = ("REDEEMED", "FORFEITED")  # what counts against a customer's per-campaign limit


@dataclass(frozen=True)
class Applied:
    """One coupon applied to a payment: its campaign's budget account pays `discount_minor`."""

    coupon_id: uuid.UUID
    campaign_id: uuid.UUID
    budget_account_id: int
    discount_minor: int


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


async def _coupons(conn: BaseDBAsyncClient | None, customer_id: uuid.UUID, ids: list[uuid.UUID]) -> list[Coupon]:
    """The payer's own coupons, in the order given (another customer's coupon is NOT_FOUND)."""
    query = Coupon.filter(id__in=ids, customer_id=customer_id)
    rows = {c.id: c for c in await (query.using_db(conn) if conn is not None else query)}
    for i, coupon_id in enumerate(ids):
        if coupon_id not in rows:
            raise NotFound("coupon not found", field=["couponIds", str(i)])
    return [rows[i] for i in ids]


def _refuse(reason: Reason, message: str, index: int, coupon_id: uuid.UUID) -> CouponNotApplicable:
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


async def preview(*, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], spend: Spend, with_points: bool) -> Discounts:
    """What the coupons would take off (every rule checked, nothing locked or written): quotes and dry runs."""
    return await _decide(None, customer_id=customer_id, coupon_ids=coupon_ids, spend=spend, with_points=with_points)


async def reserve(conn: BaseDBAsyncClient, *, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], spend: Spend,
                  with_points: bool, payment_id: uuid.UUID, partner_id: uuid.UUID | None) -> Discounts:
    """Lock the campaigns, check every rule on the locked rows and reserve the discounts (in the caller's transaction)."""
    discounts = await _decide(conn, customer_id=customer_id, coupon_ids=coupon_ids, spend=spend, with_points=with_points)
    now = clock.now()
    for a in discounts.applied:
        # Guarded again by the row itself: the budget can never be overspent, whatever was read.
        raised = await execute(conn, "UPDATE coupon_campaign SET budget_used_minor = budget_used_minor + $1"
                                     " WHERE id = $2 AND budget_used_minor + $1 <= budget_minor",
                               [a.discount_minor, a.campaign_id])
        taken = await Coupon.filter(id=a.coupon_id, status="ISSUED").using_db(conn).update(
            status="REDEEMED", payment_id=payment_id, discount_minor=a.discount_minor, redeemed_at=now)
        if raised != 1 or taken != 1:
            raise RuntimeError("a coupon reservation changed under its campaign's lock")
        await record_domain_event(type="coupon.redeemed", partner_id=partner_id, object_type="Coupon",
                                  object_id=a.coupon_id, payload={
                                      "couponId": str(a.coupon_id), "campaignId": str(a.campaign_id),
                                      "customerId": str(customer_id), "paymentId": str(payment_id),
                                      "amount": money(a.discount_minor, spend.currency)}, using_db=conn)
    return discounts


async def _decide(conn: BaseDBAsyncClient | None, *, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], spend: Spend,
                  with_points: bool) -> Discounts:
    """The discounts, every rule checked in order (on locked rows when `conn` is the payment's transaction)."""
    if not coupon_ids:
        return NO_DISCOUNTS
    coupons = await _coupons(conn, customer_id, coupon_ids)
    if conn is not None:
        for campaign_id in sorted({c.campaign_id for c in coupons}):  # type: ignore[attr-defined]
            await lock_campaign(conn, campaign_id)
        coupons = await _coupons(conn, customer_id, coupon_ids)  # re-read under the locks
    query = CouponCampaign.filter(id__in=[c.campaign_id for c in coupons])  # type: ignore[attr-defined]
    campaigns = {c.id: c for c in await (query.using_db(conn) if conn is not None else query)}
    terms = [Terms.of(campaigns[c.campaign_id]) for c in coupons]  # type: ignore[attr-defined]
    stacking = stacking_refusal(terms, with_points)
    if stacking is not None:
        raise _refuse(stacking, "these coupons cannot be combined with each other or with points", 0, coupons[0].id)
    allotted = _allot(terms, spend.amount_minor, 0)
    applied = []
    for i, (coupon, t, d) in enumerate(zip(coupons, terms, allotted, strict=True)):
        campaign = campaigns[t.id]
        if coupon.status != "ISSUED":
            raise _refuse(Reason.ALREADY_USED, "the coupon was already used", i, coupon.id)
        reason = refusal(t, spend)
        if reason is not None:
            raise _refuse(reason, "the coupon does not apply to this payment", i, coupon.id)
        used = Coupon.filter(campaign_id=t.id, customer_id=customer_id, status__in=USED)
        if await (used.using_db(conn) if conn is not None else used).count() >= campaign.per_customer_limit:
            raise _refuse(Reason.CUSTOMER_LIMIT_REACHED, "the customer has used as many coupons of this campaign as"
                          " it may", i, coupon.id)
        if campaign.budget_used_minor + d > campaign.budget_minor:
            raise _refuse(Reason.BUDGET_EXHAUSTED, "the campaign's budget cannot fund this discount", i, coupon.id)
        applied.append(Applied(coupon_id=coupon.id, campaign_id=t.id, budget_account_id=campaign.budget_account_id,  # type: ignore[attr-defined]
                               discount_minor=d))
    return Discounts(tuple(applied))
