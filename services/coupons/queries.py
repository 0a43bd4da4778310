"""Reading coupons and campaigns: a customer's coupons (Customer.coupons), one coupon or campaign (node)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import Coupon, CouponCampaign
from services.coupons.campaigns import visible_campaign
from services.coupons.records import CampaignRecord, CouponRecord
from services.errors import NotFound
from services.pagination import Page, keyset_page, map_page
from services.scoping import sees_row

STATUSES = ("ISSUED", "REDEEMED", "FORFEITED")


async def _currencies(campaign_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each campaign's currency (the coupons' discounts are in it)."""
    rows = await CouponCampaign.filter(id__in=list(campaign_ids)).values_list("id", "currency")
    return {cid: currency for cid, currency in rows}


async def customer_coupons(*, customer_id: uuid.UUID, status: str | None, first: int | None, after: str | None,
                           last: int | None = None, before: str | None = None) -> Page[CouponRecord]:
    """One page of a customer's coupons, oldest first (the caller already read the customer: its scope is checked)."""
    query = Coupon.filter(customer_id=customer_id)
    if status is not None:
        query = query.filter(status=status)
    page = await keyset_page(query, first=first, after=after, last=last, before=before)
    currencies = await _currencies({c.campaign_id for c in page.items})  # type: ignore[attr-defined]
    return map_page(page, lambda c: CouponRecord.of(c, currencies[c.campaign_id]))  # type: ignore[attr-defined]


async def get_coupon(*, principal: Principal, coupon_id: uuid.UUID) -> CouponRecord:
    """A coupon of one of the caller's customers (a customer token: its own), or NOT_FOUND."""
    row = await Coupon.get_or_none(id=coupon_id)
    if row is None or not sees_row(principal, partner_id=row.partner_id, customer_id=row.customer_id):  # type: ignore[attr-defined]
        raise NotFound("coupon not found", field=["id"])
    campaign = await CouponCampaign.get(id=row.campaign_id)  # type: ignore[attr-defined]
    return CouponRecord.of(row, campaign.currency)


async def get_campaign(*, principal: Principal, campaign_id: uuid.UUID) -> CampaignRecord:
    """A campaign the caller may see (its partner's, the bank's, or any for staff), or NOT_FOUND."""
    return CampaignRecord.of(await visible_campaign(principal, campaign_id, field="id"))

