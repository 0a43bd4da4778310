"""A held payment that compliance rejects gives its coupons back: no money moved, so nothing was used.

The coupons were reserved with the held payment (budget raised, coupon REDEEMED); their discount legs were
held with it and are dropped by the rejection. In the decision's own transaction, under the campaigns' row locks
(id order, as every reservation takes them), each coupon's discount leaves its campaign's used budget and the
coupon is ISSUED again, whatever the campaign's refund rule: that rule is for money given back, and none moved.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Coupon, CouponCampaign, Payment
from services.coupons.issuing import lock_campaigns
from services.coupons.uses import give_use_back
from services.db.sql import execute
from services.events import record_domain_event
from services.ledger.announce import money


async def release_coupons(conn: BaseDBAsyncClient, payment: Payment) -> int:
    """Give a rejected payment's coupons back to the customer and their discounts to the budgets; how many."""
    coupons = await Coupon.filter(payment_id=payment.id, status="REDEEMED").using_db(conn).order_by("id")
    await lock_campaigns(conn, (c.campaign_id for c in coupons))  # type: ignore[attr-defined]
    for coupon in coupons:
        campaign = await CouponCampaign.get(id=coupon.campaign_id).using_db(conn)  # type: ignore[attr-defined]
        await execute(conn, "UPDATE coupon_campaign SET budget_used_minor = budget_used_minor - $1 WHERE id = $2",
                      [coupon.discount_minor, campaign.id])
        restored = await Coupon.filter(id=coupon.id, status="REDEEMED", payment_id=payment.id).using_db(conn).update(
            status="ISSUED", payment_id=None, discount_minor=0, redeemed_at=None)
        if restored != 1:
            raise RuntimeError("a rejected payment's coupon changed under its campaign's lock")
        await give_use_back(conn, campaign_id=campaign.id, customer_id=coupon.customer_id)  # type: ignore[attr-defined]
        await record_domain_event(
            type="coupon.restored", partner_id=coupon.partner_id, object_type="Coupon", object_id=coupon.id,  # type: ignore[attr-defined]
            payload={"couponId": str(coupon.id), "campaignId": str(campaign.id),
                     "customerId": str(coupon.customer_id), "paymentId": str(payment.id),  # type: ignore[attr-defined]
                     "amount": money(coupon.discount_minor, campaign.currency)}, using_db=conn)
    return len(coupons)
