"""Reserving coupons for a payment, inside the payment's own database transaction, under the campaigns' row locks.

Every redemption of a campaign locks that campaign's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs
one writer at a time), then re-reads the coupon, counts the customer's redeemed coupons and checks the budget on
the locked row: concurrent payments can never spend more than the budget nor redeem more than the per-customer
limit. The reservation (budget_used_minor raised, the coupon REDEEMED; its coupon.redeemed event rides in the
payment's posting statement) commits with the payment's posting or rolls back with it. Campaigns are locked in id
order, so two payments never deadlock on them.

On PostgreSQL the usual reservation is two statements: lock the campaigns while reading the coupons, then re-check
on the rows as they are after the lock and write (`_reserve_in_two_statements`); a refusal, or a re-check that fails
because a payment we waited for used the coupon or the payer's limit, is decided again on rows read under the locks.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery

from models import Coupon, CouponCampaign
from services import clock
from services.coupons.terms import Reason, Spend, Terms, discount_minor, refusal, stacking_refusal
from services.db.sql import as_uuid, execute, fetch, is_postgres
from services.errors import CouponNotApplicable, NotFound, ValidationFailed
from services.ledger.announce import money
from services.ledger.plan import FundedParts
from services.ledger.side_writes import RowInsert, event_insert

MAX_COUPONS = 5
USED = ("REDEEMED", "FORFEITED")  # what counts against a customer's per-campaign limit
_USED_LIST = ", ".join(f"'{u}'" for u in USED)  # the same, as SQL (constants, never input)


def _used_count_pg(customer: str) -> str:
    """PostgreSQL: how many of the customer's coupons of campaign `c` count against its per-customer limit, counted
    only up to that limit (all the rule asks is whether it is reached): read through the used coupons' partial index
    (migration 0037), never the customer's issued coupons, whatever the history. `customer` is the statement's
    placeholder for the customer id (code, never input)."""
    return (f"(SELECT count(*) FROM (SELECT 1 FROM coupon u WHERE u.campaign_id = c.id AND u.customer_id = {customer}"
            f" AND u.status IN ({_USED_LIST}) LIMIT c.per_customer_limit) AS counted)")


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


@dataclass(frozen=True)
class _Given:
    """A coupon given for a payment, as read: its id, campaign and status."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    status: str


async def _locked_campaigns(conn: BaseDBAsyncClient, customer_id: uuid.UUID, ids: list[uuid.UUID]) -> list[CouponCampaign]:
    """Lock the campaigns of the payer's coupons among `ids`, in id order, and read them (SQLite: one writer)."""
    mine = Coupon.filter(id__in=ids, customer_id=customer_id).values("campaign_id")
    return await CouponCampaign.filter(id__in=Subquery(mine)).order_by("id").select_for_update().using_db(conn)


async def _given(conn: BaseDBAsyncClient | None, customer_id: uuid.UUID,
                 ids: list[uuid.UUID]) -> tuple[list[_Given], dict[uuid.UUID, int]]:
    """The payer's own coupons in the order given (another customer's is NOT_FOUND) and, per campaign, how many of
    the payer's coupons count against its per-customer limit: one statement."""
    marks = ", ".join(f"${i}" for i in range(2, len(ids) + 2))
    rows = await fetch(conn if conn is not None else connections.get("default"), (
        "SELECT k.id, k.campaign_id, k.status, (SELECT count(*) FROM coupon u WHERE u.campaign_id = k.campaign_id"
        f" AND u.customer_id = k.customer_id AND u.status IN ({_USED_LIST})) AS used"
        f" FROM coupon k WHERE k.customer_id = $1 AND k.id IN ({marks})"), [customer_id, *ids])
    found = {as_uuid(r["id"]): r for r in rows}
    for i, coupon_id in enumerate(ids):
        if coupon_id not in found:
            raise NotFound("coupon not found", field=["couponIds", str(i)])
    given = [_Given(id=i, campaign_id=as_uuid(found[i]["campaign_id"]), status=found[i]["status"]) for i in ids]
    return given, {g.campaign_id: int(found[g.id]["used"]) for g in given}


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
                  with_points: bool, payment_id: uuid.UUID) -> Discounts:
    """Lock the campaigns, check every rule on the locked rows and reserve the discounts (in the caller's transaction).

    Their coupon.redeemed events are not written here: the caller hands `redeemed_events` to the payment's posting.
    """
    if not coupon_ids:
        return NO_DISCOUNTS
    now = clock.now()
    if is_postgres(conn):
        reserved = await _reserve_in_two_statements(conn, customer_id=customer_id, coupon_ids=coupon_ids, spend=spend,
                                                    with_points=with_points, payment_id=payment_id, now=now)
        if reserved is not None:
            return reserved
        # Refused on what the first statement read, or a re-check failed: decide again on rows read now (the
        # campaigns stay locked), which names the refusal exactly as the rules order them.
    discounts = await _decide(conn, customer_id=customer_id, coupon_ids=coupon_ids, spend=spend, with_points=with_points)
    if is_postgres(conn):
        if not await _take_if_fresh(conn, discounts.applied, customer_id=customer_id, payment_id=payment_id, now=now):
            raise RuntimeError("a coupon reservation changed under its campaign's lock")
        return discounts
    for a in discounts.applied:  # SQLite: one writer at a time; each update guarded by its row all the same
        raised = await execute(conn, "UPDATE coupon_campaign SET budget_used_minor = budget_used_minor + $1"
                                     " WHERE id = $2 AND budget_used_minor + $1 <= budget_minor",
                               [a.discount_minor, a.campaign_id])
        taken = await Coupon.filter(id=a.coupon_id, status="ISSUED").using_db(conn).update(
            status="REDEEMED", payment_id=payment_id, discount_minor=a.discount_minor, redeemed_at=now)
        if raised != 1 or taken != 1:
            raise RuntimeError("a coupon reservation changed under its campaign's lock")
    return discounts


async def _reserve_in_two_statements(conn: BaseDBAsyncClient, *, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID],
                                     spend: Spend, with_points: bool, payment_id: uuid.UUID,
                                     now: datetime) -> Discounts | None:
    """PostgreSQL's usual path: lock the campaigns and read the coupons in one statement, decide, then re-check and
    reserve in one more. None when the rules refused or a re-check failed (nothing written): the caller decides on
    fresh rows.

    The first statement's campaign rows are their latest versions (locked), but the coupons' statuses and the
    payer's used counts come from its snapshot, which may predate a payment whose lock it waited for. The second
    statement starts after the locks are held, so it sees every such payment: it writes only if each coupon is still
    ISSUED, within the payer's limit and within budget.
    """
    rows = await fetch(conn, _LOCK_AND_READ_SQL, [customer_id, coupon_ids])
    found = {as_uuid(r["coupon_id"]): r for r in rows}
    if any(i not in found for i in coupon_ids):
        return None  # NOT_FOUND, named by the full path
    coupons = [_Given(id=i, campaign_id=as_uuid(found[i]["id"]), status=found[i]["status"]) for i in coupon_ids]
    campaigns = {g.campaign_id: _LockedCampaign.of(found[g.id]) for g in coupons}
    try:
        discounts = _apply(coupons, {g.campaign_id: int(found[g.id]["used"]) for g in coupons}, campaigns, spend,
                           with_points)
    except CouponNotApplicable:
        return None
    if not await _take_if_fresh(conn, discounts.applied, customer_id=customer_id, payment_id=payment_id, now=now):
        return None
    return discounts


async def _take_if_fresh(conn: BaseDBAsyncClient, applied: tuple[Applied, ...], *, customer_id: uuid.UUID,
                         payment_id: uuid.UUID, now: datetime) -> bool:
    """PostgreSQL: raise each campaign's used budget and mark each coupon REDEEMED, all or none, if every coupon is
    still ISSUED and the payer's, within the payer's per-campaign limit and within its campaign's budget."""
    if not applied:
        return True
    rows = await fetch(conn, _TAKE_IF_FRESH_SQL, [[a.campaign_id for a in applied], [a.coupon_id for a in applied],
                                                  [a.discount_minor for a in applied], payment_id, now, customer_id,
                                                  len(applied)])
    if not rows[0]["passes"]:
        return False
    if int(rows[0]["raised"]) != len(applied) or int(rows[0]["taken"]) != len(applied):
        raise RuntimeError("a coupon reservation changed under its campaign's lock")
    return True


_CAMPAIGN_COLUMNS = ("id", "currency", "discount_kind", "amount_off_minor", "percent_off_bps", "max_discount_minor",
                     "min_spend_minor", "merchant_ids", "mccs", "valid_from", "valid_to", "stackable", "budget_minor",
                     "budget_used_minor", "per_customer_limit", "budget_account_id")
# The payer's coupons with their campaigns, the campaigns locked in id order (rows sorted, then locked).
_LOCK_AND_READ_SQL = (
    "SELECT k.id AS coupon_id, k.status, " + ", ".join(f"c.{n}" for n in _CAMPAIGN_COLUMNS) + ", "
    + _used_count_pg("$1") + " AS used"
    " FROM coupon k JOIN coupon_campaign c ON c.id = k.campaign_id"
    " WHERE k.customer_id = $1 AND k.id = ANY($2::uuid[]) ORDER BY c.id FOR UPDATE OF c"
)
# One coupon per campaign (stacking_refusal): every check on the rows as they are now, then both updates or neither.
_TAKE_IF_FRESH_SQL = (
    "WITH a AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS a(campaign_id, coupon_id, discount)),"
    " ok AS (SELECT COALESCE(bool_and(k.status = 'ISSUED' AND c.budget_used_minor + a.discount <= c.budget_minor"
    "  AND " + _used_count_pg("$6") + " < c.per_customer_limit), false) AND count(*) = $7 AS passes"
    "  FROM a JOIN coupon_campaign c ON c.id = a.campaign_id JOIN coupon k ON k.id = a.coupon_id"
    "  AND k.campaign_id = a.campaign_id AND k.customer_id = $6),"
    " raised AS (UPDATE coupon_campaign c SET budget_used_minor = c.budget_used_minor + a.discount FROM a"
    "  WHERE c.id = a.campaign_id AND (SELECT passes FROM ok) RETURNING c.id),"
    " taken AS (UPDATE coupon k SET status = 'REDEEMED', payment_id = $4, discount_minor = a.discount, redeemed_at = $5"
    "  FROM a WHERE k.id = a.coupon_id AND k.status = 'ISSUED' AND (SELECT passes FROM ok) RETURNING k.id)"
    " SELECT (SELECT passes FROM ok) AS passes, (SELECT count(*) FROM raised) AS raised,"
    " (SELECT count(*) FROM taken) AS taken"
)


@dataclass(frozen=True)
class _LockedCampaign:
    """A campaign as the locking statement read it: what Terms.of and the budget and limit checks use."""

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
    def of(cls, row: dict[str, Any]) -> _LockedCampaign:
        """From the statement's row (asyncpg gives jsonb as text)."""
        values = {n: row[n] for n in _CAMPAIGN_COLUMNS}
        for n in ("merchant_ids", "mccs"):
            values[n] = json.loads(values[n]) if isinstance(values[n], str) else values[n]
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


async def _decide(conn: BaseDBAsyncClient | None, *, customer_id: uuid.UUID, coupon_ids: list[uuid.UUID], spend: Spend,
                  with_points: bool) -> Discounts:
    """The discounts, every rule checked in order (on locked rows when `conn` is the payment's transaction)."""
    if not coupon_ids:
        return NO_DISCOUNTS
    if conn is not None:
        # The campaigns of the payer's coupons, locked in id order (one statement), then the coupons read again under
        # those locks: a concurrent payment's reservation of the same coupon or budget has committed by then.
        campaigns = {c.id: c for c in await _locked_campaigns(conn, customer_id, coupon_ids)}
        coupons, used = await _given(conn, customer_id, coupon_ids)
        if any(c.campaign_id not in campaigns for c in coupons):
            raise RuntimeError("a coupon's campaign was not locked")  # a coupon never changes campaign
    else:
        coupons, used = await _given(None, customer_id, coupon_ids)
        campaigns = {c.id: c for c in await CouponCampaign.filter(id__in=[c.campaign_id for c in coupons])}
    return _apply(coupons, used, campaigns, spend, with_points)


def _apply(coupons: list[_Given], used: dict[uuid.UUID, int], campaigns: dict[uuid.UUID, Any], spend: Spend,
           with_points: bool) -> Discounts:
    """Every rule in order on the coupons as read, the payer's used counts and their campaigns: the discounts."""
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
        if used[t.id] >= campaign.per_customer_limit:
            raise _refuse(Reason.CUSTOMER_LIMIT_REACHED, "the customer has used as many coupons of this campaign as"
                          " it may", i, coupon.id)
        if campaign.budget_used_minor + d > campaign.budget_minor:
            raise _refuse(Reason.BUDGET_EXHAUSTED, "the campaign's budget cannot fund this discount", i, coupon.id)
        applied.append(Applied(coupon_id=coupon.id, campaign_id=t.id, budget_account_id=campaign.budget_account_id,  # type: ignore[attr-defined]
                               discount_minor=d))
    return Discounts(tuple(applied))
