"""Refunds of a discounted payment: the coupons' share goes back to their budgets and the points' to the customer.

A refund of X of a payment of A that coupons discounted by D gives the payer back what it paid of X and each
campaign's budget account its coupon's share (cumulative floor: the shares of all refunds of a payment add up to
exactly D once it is refunded in full), as funded legs of the REFUND posting (services.ledger.plan._refund). The
budget given back is usable again (budget_used_minor drops). Once the payment is refunded in full the campaign's
documented rule applies to the coupon: RESTORE makes it ISSUED (usable) again, FORFEIT marks it FORFEITED (it
still counts against the customer's limit). All of it in one transaction with the posting, under the campaigns'
row locks, which every refund of a discounted payment takes first, then the payment's: its refunded total is read
under that lock. Points spent on the payment go back in the same proportion (services.points.returning), in the
same transaction, after the refund's posting credited the payer.

A refund the AML rules HOLD moves no money until compliance decides, so none of that happens at once: the budgets,
the coupon's rule and the points wait for the decision (`refund_moved` on RELEASE, from
services.payments.held_outcomes; on REJECT nothing was given back and the payment's refunded total drops again).
Otherwise a rejected refund would leave the budget lowered and the coupon usable while its budget account was never
paid back: a discount paid twice out of one funding.
"""

from __future__ import annotations

import dataclasses

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Coupon, CouponCampaign, IdempotencyRecord, Payment, PointsRedemption
from models.enums import TransactionStatus
from services.audit import AuditNote
from services.coupons.issuing import lock_campaigns
from services.coupons.uses import give_use_back
from services.db.sql import execute, fetch
from services.events import record_domain_event
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.plan import FundedParts
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.live.after_commit import announcements_after_commit
from services.payments.locking import lock_payment
from services.points.returning import lock_spent_points, return_points, share_of, spent_on
from services.scoping import of_tenant


def share_back(discount_minor: int, payment_minor: int, refunded_before: int, refund_minor: int) -> int:
    """The discount's share of a refund: cumulative floors, so all refunds of the payment return exactly the discount."""
    return (refunded_before + refund_minor) * discount_minor // payment_minor - refunded_before * discount_minor // payment_minor


async def post_refund(*, principal: Principal, req: PostingRequest, payment: Payment, amount_minor: int,
                      audit: AuditNote | None) -> TransactionRecord:
    """The refund's posting; for a discounted payment with the coupons' and points' shares given back."""
    coupons = await Coupon.filter(payment_id=payment.id).order_by("id")
    points = await PointsRedemption.filter(payment_id=payment.id).exists()
    if not coupons and not points:
        return await post(principal, req, audit)  # the common case: two indexed reads, nothing else
    checked = check_request(principal, req)
    if req.dry_run or await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=checked.key).exists():
        return await post(principal, req, audit)  # a dry run checks the plain legs; a retry replays
    try:
        async with announcements_after_commit(), in_transaction() as conn:  # live updates after the commit
            # Campaigns first, then the payment (services.payments.reversing takes them in the same order).
            await lock_campaigns(conn, (c.campaign_id for c in coupons))  # type: ignore[attr-defined]
            fresh = await lock_payment(conn, payment.id)  # its refunded total is stable until the commit
            if points:
                await lock_spent_points(conn, payment.id)  # before the posting's wallet accounts, as a payment does
            if fresh.refunded_minor + amount_minor > fresh.amount_minor:
                return await post(principal, req, audit)  # REFUND_EXCEEDS_PAYMENT from the engine's claim
            parts = await shares_back(conn, coupons, fresh, amount_minor) if coupons else ()
            txn = await post(principal, dataclasses.replace(req, funded=FundedParts(parts) if parts else None), audit)
            if txn.replayed:
                raise _Replayed(txn)
            if txn.status is TransactionStatus.POSTED:
                await refund_moved(conn, payment_id=payment.id, refund_transaction_id=txn.id, amount_minor=amount_minor)
            # HELD: the budgets, the coupon's rule and the points wait for compliance's RELEASE (module docstring).
    except _Replayed as replayed:
        return replayed.txn
    except Exception:
        # A request with the same key committed while this one ran: this transaction aborted on the key's unique
        # index (the engine cannot replay inside it) and rolled back; the engine answers the original outside it.
        if await of_tenant(IdempotencyRecord, principal.partner_id).filter(key=checked.key).exists():
            return await post(principal, req, audit)
        raise
    return txn


class _Replayed(Exception):
    """A duplicate key replayed inside: roll the budget changes back and answer the original."""

    def __init__(self, txn: TransactionRecord) -> None:
        super().__init__("replayed")
        self.txn = txn


async def shares_back(conn, coupons: list[Coupon], payment: Payment, amount_minor: int) -> tuple[tuple[int, int], ...]:  # type: ignore[no-untyped-def]
    """The refund's funded parts: each campaign's budget account and its coupons' share of the refund (nothing written)."""
    parts: dict[int, int] = {}
    for coupon in coupons:
        campaign = await CouponCampaign.get(id=coupon.campaign_id).using_db(conn)  # type: ignore[attr-defined]
        back = share_back(coupon.discount_minor, payment.amount_minor, payment.refunded_minor, amount_minor)
        if back:
            parts[campaign.budget_account_id] = parts.get(campaign.budget_account_id, 0) + back  # type: ignore[attr-defined]
    return payer_keeps_a_unit(parts, amount_minor)


def payer_keeps_a_unit(parts: dict[int, int], amount_minor: int) -> tuple[tuple[int, int], ...]:
    """The budgets' shares, cut (largest first) so that the payer gets at least one minor unit of the refund.

    A REFUND's legs give the payer what remains of the amount, and a leg is never zero. When the coupons paid all but
    the last units of a payment, the shares of its last refunds would take all of a refund: each such refund then
    gives its campaign one unit less and the payer one unit more (never more than a unit per refund)."""
    excess = sum(parts.values()) - (amount_minor - 1)
    for account in sorted(parts, key=lambda a: (-parts[a], a)):
        if excess <= 0:
            break
        cut = min(excess, parts[account])
        parts[account] -= cut
        excess -= cut
    return tuple(sorted((a, v) for a, v in parts.items() if v))


async def refund_moved(conn, *, payment_id, refund_transaction_id, amount_minor: int) -> None:  # type: ignore[no-untyped-def]
    """A refund of the payment has moved its money (posted, or released by compliance): what its REFUND transaction
    paid each campaign's budget account becomes usable budget again, the campaigns' rule applies once the money
    moved by refunds adds up to the whole payment, and the points' share goes back (services.points.returning)."""
    coupons = await Coupon.filter(payment_id=payment_id).using_db(conn).order_by("id")
    campaigns = {c.campaign_id: await CouponCampaign.get(id=c.campaign_id).using_db(conn) for c in coupons}  # type: ignore[attr-defined]
    await lock_campaigns(conn, campaigns)  # campaigns first, then the payment: the order every refund locks them in
    payment = await lock_payment(conn, payment_id)
    moved_before = await _moved_by_other_refunds(conn, payment_id, refund_transaction_id)
    for campaign in campaigns.values():
        # Exactly what the REFUND's legs credited the budget account: the budget it gives back.
        await _budget_back(conn, campaign.id, await _credited(conn, refund_transaction_id, campaign.budget_account_id))  # type: ignore[attr-defined]
    if moved_before + amount_minor == payment.amount_minor:
        # Only refunds whose money moved count: one still HELD may yet be rejected (then the rule waits for another).
        for coupon in coupons:
            await _apply_rule(conn, coupon, campaigns[coupon.campaign_id], payment)  # type: ignore[attr-defined]
    spent = await spent_on(conn, payment_id)
    if spent is not None:
        # After the refund credited the payer: the points' share of its value goes back to the programme. Shares
        # are cumulative floors over the refunds in the order their money moved, so together they return exactly
        # what the payment spent once it is refunded in full.
        share = share_of(spent.points, payment.amount_minor, moved_before, amount_minor)
        await return_points(conn, payment=payment, redemption=spent, points=share, source=f"refund-{refund_transaction_id}")


async def _moved_by_other_refunds(conn, payment_id, refund_transaction_id) -> int:  # type: ignore[no-untyped-def]
    """What the payment's other refunds moved: those whose REFUND transaction is POSTED (not HELD, not REJECTED)."""
    rows = await fetch(conn, "SELECT COALESCE(SUM(r.amount_minor), 0) AS moved FROM refund r"
                             " JOIN ledger_transaction t ON t.id = r.transaction_id"
                             " WHERE r.payment_id = $1 AND r.transaction_id <> $2 AND t.status = 'POSTED'",
                       [payment_id, refund_transaction_id])
    return int(rows[0]["moved"])


async def _credited(conn, transaction_id, account_id: int) -> int:  # type: ignore[no-untyped-def]
    """What the transaction's entries credited the account (0 when it has none on it)."""
    rows = await fetch(conn, "SELECT COALESCE(SUM(amount_minor), 0) AS credited FROM ledger_entry"
                             " WHERE transaction_id = $1 AND account_id = $2", [transaction_id, account_id])
    return int(rows[0]["credited"])


async def give_back(conn, coupons: list[Coupon], payment: Payment, amount_minor: int) -> tuple[tuple[int, int], ...]:  # type: ignore[no-untyped-def]
    """Lower each campaign's used budget by its share, apply the refund rule on a full refund; the funded parts (a
    reversal's: it is never held, so its legs move as it is posted)."""
    parts = await shares_back(conn, coupons, payment, amount_minor)
    back_to = dict(parts)
    campaigns = {c.campaign_id: await CouponCampaign.get(id=c.campaign_id).using_db(conn) for c in coupons}  # type: ignore[attr-defined]
    for campaign in campaigns.values():
        await _budget_back(conn, campaign.id, back_to.get(campaign.budget_account_id, 0))  # type: ignore[attr-defined]
    if payment.refunded_minor + amount_minor == payment.amount_minor:
        for coupon in coupons:
            await _apply_rule(conn, coupon, campaigns[coupon.campaign_id], payment)  # type: ignore[attr-defined]
    return parts


async def _budget_back(conn, campaign_id, back: int) -> None:  # type: ignore[no-untyped-def]
    """The campaign's used budget lowered by what its budget account got back (usable again); nothing for 0."""
    if back:
        await execute(conn, "UPDATE coupon_campaign SET budget_used_minor = budget_used_minor - $1 WHERE id = $2",
                      [back, campaign_id])


async def _apply_rule(conn, coupon: Coupon, campaign: CouponCampaign, payment: Payment) -> None:  # type: ignore[no-untyped-def]
    """RESTORE: the coupon is usable again; FORFEIT: it stays used. Either way its event."""
    restore = campaign.refund_rule == "RESTORE"
    if restore:
        await Coupon.filter(id=coupon.id).using_db(conn).update(status="ISSUED", payment_id=None, discount_minor=0,
                                                                 redeemed_at=None)
        await give_use_back(conn, campaign_id=campaign.id, customer_id=coupon.customer_id)  # type: ignore[attr-defined]
    else:
        await Coupon.filter(id=coupon.id).using_db(conn).update(status="FORFEITED")
    await record_domain_event(
        type="coupon.restored" if restore else "coupon.forfeited", partner_id=coupon.partner_id,  # type: ignore[attr-defined]
        object_type="Coupon", object_id=coupon.id, payload={
            "couponId": str(coupon.id), "campaignId": str(campaign.id), "customerId": str(coupon.customer_id),  # type: ignore[attr-defined]
            "paymentId": str(payment.id), "amount": money(coupon.discount_minor, campaign.currency)}, using_db=conn)
