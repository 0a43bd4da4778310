"""What reversing a payment (transactionReverse) means for the payment, its coupons and its points.

The reversal posting negates every entry of the payment, the coupons' legs included (their budget accounts get
the discounts back). In the same database transaction:

- the payment's row is claimed: a payment refunded in part is not reversed (NOT_REVERSIBLE: refund the rest
  instead; reversing it would give the payer back what a refund already gave), and a reversed payment counts as
  refunded in full, so no refund can follow it;
- each coupon's discount leaves its campaign's used budget and the campaign's refund rule applies (RESTORE makes
  the coupon usable again, FORFEIT keeps it used), as for a full refund (services.coupons.refunding);
- the points the payment spent go back to the customer, their value back to the programme
  (services.points.returning).

Campaigns are locked before the payment, in id order, as refunds lock them: the two never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from tortoise.transactions import in_transaction

from models import Coupon, Payment
from services.coupons.issuing import lock_campaigns
from services.coupons.refunding import give_back
from services.db.sql import execute
from services.errors import TransactionNotReversible
from services.ledger.records import TransactionRecord
from services.live.after_commit import announcements_after_commit
from services.payments.locking import lock_payment
from services.points.returning import lock_spent_points, return_points


async def reverse_payment(transaction_id: uuid.UUID,
                          posting: Callable[[], Awaitable[TransactionRecord]]) -> TransactionRecord:
    """Post a payment's reversal (`posting`) with its payment claimed, coupons and points given back; one transaction."""
    payment = await Payment.get_or_none(transaction_id=transaction_id)
    if payment is None:
        return await posting()  # a PAYMENT with no payment row (none is written without one): nothing more to do
    coupons = await Coupon.filter(payment_id=payment.id).order_by("id")
    async with announcements_after_commit(), in_transaction() as conn:  # live updates after the commit
        await lock_campaigns(conn, (c.campaign_id for c in coupons))  # type: ignore[attr-defined]
        fresh = await lock_payment(conn, payment.id)
        # Before the reversal's wallet accounts, as a points payment claims it (the payment's row keeps it as read).
        spent = await lock_spent_points(conn, payment.id)
        if fresh.refunded_minor:
            raise TransactionNotReversible("the payment was refunded in part: refund the rest instead",
                                           field=["transactionId"])
        if coupons:
            await give_back(conn, coupons, fresh, fresh.amount_minor)  # the legs come back with the reversal itself
        # Claimed with the reversal: from now on the payment counts as given back in full.
        await execute(conn, "UPDATE payment SET refunded_minor = amount_minor WHERE id = $1", [payment.id])
        txn = await posting()
        if spent is not None and not txn.replayed:
            await return_points(conn, payment=fresh, redemption=spent, points=spent.points - spent.returned_points,
                                source=f"reversal-{txn.id}", payment_undone=True)
    return txn
