"""What a compliance decision on a HELD payment means for the payment (services.alert_decisions calls it).

A payment the AML rules hold moves no money until compliance decides. Its
`payment.succeeded` events were left out of the posting (they are written only
when money moves), and a single-use request was claimed when it was held:

- RELEASE: the money moves now, so both partners get `payment.succeeded` now (and the merchant's partner
  `payment_request.paid` for a single-use request);
- REJECT: no money moved, so both partners get `payment.failed`, and a
  single-use request is payable again (its paid_at cleared), or the merchant
  would be left with a code nobody paid; its coupons are usable again and its
  points go back to the customer (services.coupons.releasing,
  services.points.returning).

A held refund (services.payments.refunds) is decided here too: RELEASE gives both partners `payment.refunded` and
the discount's budgets and points back, REJECT makes its amount refundable again.

Inside the decision's own database transaction: the event and the request
change commit with the decision or not at all.

Lock order (`lock_before_decision`): a refund of a payment locks the payment's row (and, for a discounted payment,
its coupons' campaigns first) before any account; a decision locks the held transaction's accounts, and a held
refund's outcome then needs the payment's row. Deciding a held refund while another refund of the same payment was
being posted could therefore deadlock (PostgreSQL would roll one back: UNAVAILABLE, retried). So before the
decision locks anything else, the rows a refund would lock first are locked first here too, in the same order:
for a discounted payment its campaigns then the payment, for either decision (a discounted payment's refunds take
those before the merchant's limit-usage row); for a plain payment the payment, on RELEASE only (a REJECT first locks
the merchant's limit-usage row, which a plain refund's posting takes before the payment: they queue there); on
RELEASE then the payer's POINTS account, which a points payment claims before its wallet accounts.

A REJECT of a held payment gives its coupons back (their campaigns' rows): those are locked where a new payment's
posting claims them, after the payer's limit-usage row and before any account (`lock_claimed_rows`), so that a
rejection cannot deadlock with a payment using the same campaign to the same merchant.
"""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Coupon, Payment, PaymentRequest, Refund
from services.coupons.issuing import lock_campaigns
from services.coupons.refunding import refund_moved
from services.coupons.releasing import release_coupons
from services.db.sql import execute
from services.events import record_domain_event
from services.ledger.announce import money
from services.payments.locking import lock_payment
from services.payments.refund_events import refunded_body
from services.points.returning import lock_spent_points, return_points, spent_on

RELEASE, REJECT = "RELEASE", "REJECT"


async def lock_before_decision(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str) -> None:
    """Lock what a held refund's outcome changes, before the decision locks the held transaction's accounts (the
    module docstring's lock order); nothing for any other held transaction."""
    refund = await Refund.filter(transaction_id=transaction_id).using_db(conn).first()
    if refund is None:
        return
    campaign_ids = await Coupon.filter(payment_id=refund.payment_id).using_db(conn).values_list(  # type: ignore[attr-defined]
        "campaign_id", flat=True)
    await lock_campaigns(conn, campaign_ids)  # as every refund of a discounted payment takes them
    if campaign_ids or decision == RELEASE:
        await lock_payment(conn, refund.payment_id)  # type: ignore[attr-defined]
    if decision == RELEASE:
        # Its points go back after the accounts are locked: their POINTS account first, as a points payment.
        await lock_spent_points(conn, refund.payment_id)  # type: ignore[attr-defined]


async def lock_claimed_rows(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str) -> None:
    """A held payment's REJECT: its coupons' campaigns, locked in id order after the payer's usage row and before the
    accounts (services.ledger.held's before_accounts), as a payment's posting claims them; nothing otherwise."""
    if decision != REJECT:
        return
    payment = await Payment.filter(transaction_id=transaction_id).using_db(conn).first()
    if payment is None:
        return
    campaign_ids = await Coupon.filter(payment_id=payment.id, status="REDEEMED").using_db(conn).values_list(
        "campaign_id", flat=True)
    await lock_campaigns(conn, campaign_ids)


async def after_held_decision(conn: BaseDBAsyncClient, transaction_id: uuid.UUID, decision: str) -> None:
    """Write the held payment's outcome (events; a rejected single-use request payable again); nothing for others."""
    payment = await Payment.filter(transaction_id=transaction_id).using_db(conn).first()
    if payment is None:
        refund = await Refund.filter(transaction_id=transaction_id).using_db(conn).first()
        if refund is not None:
            await _after_held_refund(conn, refund, decision)
        return  # not a payment
    partners = list(dict.fromkeys([payment.partner_id, payment.merchant_partner_id]))  # type: ignore[attr-defined]
    if decision == RELEASE:
        kind = "payment.succeeded"
        body = {"paymentId": str(payment.id), "merchantId": str(payment.merchant_id),  # type: ignore[attr-defined]
                "amount": money(payment.amount_minor, payment.currency)}
        if payment.payment_request_id is not None:  # type: ignore[attr-defined]
            body["paymentRequestId"] = str(payment.payment_request_id)  # type: ignore[attr-defined]
    else:
        kind = "payment.failed"
        body = {"paymentId": str(payment.id), "merchantId": str(payment.merchant_id)}  # type: ignore[attr-defined]
        # Its discounts come back: the coupons usable again, the points (paid out as money when it was held) back
        # to the customer with their value back to the programme. The hold has just ended, so the payer holds it.
        await release_coupons(conn, payment)
        spent = await spent_on(conn, payment.id)
        if spent is not None:
            await return_points(conn, payment=payment, redemption=spent, points=spent.points - spent.returned_points,
                                source=f"rejected-{payment.id}", payment_undone=True)
        if payment.payment_request_id is not None:  # type: ignore[attr-defined]
            # Only a single-use request was claimed; a static one never had paid_at set.
            await execute(conn, "UPDATE payment_request SET paid_at = NULL WHERE id = $1 AND single_use",
                          [payment.payment_request_id])  # type: ignore[attr-defined]
    for partner_id in partners:
        await record_domain_event(type=kind, partner_id=partner_id, object_type="Payment", object_id=payment.id,
                                  payload=body, using_db=conn)
    if decision == RELEASE and payment.payment_request_id is not None:  # type: ignore[attr-defined]
        request = await PaymentRequest.filter(id=payment.payment_request_id).using_db(conn).first()  # type: ignore[attr-defined]
        if request is not None and request.single_use:
            await record_domain_event(
                type="payment_request.paid", partner_id=payment.merchant_partner_id,  # type: ignore[attr-defined]
                object_type="PaymentRequest", object_id=request.id,
                payload={"paymentRequestId": str(request.id), "paymentId": str(payment.id),
                         "merchantId": str(payment.merchant_id)}, using_db=conn)  # type: ignore[attr-defined]


async def _after_held_refund(conn: BaseDBAsyncClient, refund: Refund, decision: str) -> None:
    """A held refund decided: RELEASE moved its money now, so what a posted refund does at once happens now (the
    discount's budgets, coupons and points: services.coupons.refunding.refund_moved) and both partners get
    `payment.refunded`; REJECT moved nothing, so the payment's refunded total, which the refund's claim raised when
    it was held, drops by it again: that much is refundable again."""
    if decision == RELEASE:
        await refund_moved(conn, payment_id=refund.payment_id, refund_transaction_id=refund.transaction_id,  # type: ignore[attr-defined]
                           amount_minor=refund.amount_minor)
        payment = await Payment.get(id=refund.payment_id).using_db(conn)  # type: ignore[attr-defined]
        body = refunded_body(payment, refund.id, refund.amount_minor)
        for partner_id in dict.fromkeys([payment.merchant_partner_id, payment.partner_id]):  # type: ignore[attr-defined]
            await record_domain_event(type="payment.refunded", partner_id=partner_id, object_type="Payment",
                                      object_id=payment.id, payload=body, using_db=conn)
    else:
        await execute(conn, "UPDATE payment SET refunded_minor = refunded_minor - $1 WHERE id = $2",
                      [refund.amount_minor, refund.payment_id])  # type: ignore[attr-defined]
