"""Coupon campaigns through the API (tests/api): a funded campaign of a partner, its coupons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.factories import GraphQLClient, next_id

CAMPAIGN_FIELDS = ("id name issuer discountKind amountOff { amount currency } percentOffBps minimumSpend { amount }"
                   " budget { amount currency } budgetUsed { amount } perCustomerLimit stackable refundRule claimCode"
                   " fundingWalletId validFrom validTo")
CAMPAIGN_CREATE = ("mutation($input: CouponCampaignCreateInput!) { couponCampaignCreate(input: $input) {"
                   f" campaign {{ {CAMPAIGN_FIELDS} }} userErrors {{ code field }} }} }}")
COUPON_FIELDS = "id campaignId customerId status claimed paymentId discount { amount currency }"
ISSUE = ("mutation($input: CouponIssueInput!) { couponIssue(input: $input) {"
         f" coupons {{ {COUPON_FIELDS} }} userErrors {{ code field }} }} }}")
CLAIM = ("mutation($input: CouponClaimInput!) { couponClaim(input: $input) {"
         f" coupon {{ {COUPON_FIELDS} }} couponRefusal {{ reason couponId }} userErrors {{ code field }} }} }}")
COUPONS = ("query($id: ID!, $status: CouponStatus) { customer(id: $id) { coupons(first: 10, status: $status) {"
           f" nodes {{ {COUPON_FIELDS} }} }} }} }}")
PAY = ("mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) { payment { id amount { amount } }"
       " couponRefusal { reason couponId } userErrors { code field } } }")


def campaign_input(funding_wallet_id: str, **overrides: Any) -> dict[str, Any]:
    """A campaign's input: 10.00 CNY off 50.00 or more, budget 100.00, one per customer, claimable, RESTORE."""
    now = datetime.now(timezone.utc)
    return {"name": "Spring sale", "issuer": "PARTNER", "fundingWalletId": funding_wallet_id, "currency": "CNY",
            "budget": "100.00", "discountKind": "FIXED", "amountOff": "10.00", "minimumSpend": "50.00",
            "validFrom": (now - timedelta(days=1)).isoformat(), "validTo": (now + timedelta(days=30)).isoformat(),
            "perCustomerLimit": 1, "refundRule": "RESTORE", "claimable": True, "idempotencyKey": next_id("camp"),
            **overrides}


async def funded_campaign(client: GraphQLClient, **overrides: Any) -> tuple[dict[str, Any], str]:
    """A campaign of the client's partner funded from a new wallet (topped up 500.00); (campaign, funding wallet)."""
    wallet = await client.open_wallet("CNY")
    assert (await client.top_up(wallet["id"], "500.00"))["userErrors"] == []
    created = (await client.ok(CAMPAIGN_CREATE, {"input": campaign_input(wallet["id"], **overrides)}))["couponCampaignCreate"]
    assert created["userErrors"] == [], created
    return created["campaign"], wallet["id"]


async def issued_coupon(client: GraphQLClient, campaign_id: str, customer_id: str) -> dict[str, Any]:
    """One coupon of the campaign issued to the customer."""
    issued = (await client.ok(ISSUE, {"input": {"campaignId": campaign_id, "customerIds": [customer_id]}}))["couponIssue"]
    assert issued["userErrors"] == [], issued
    return issued["coupons"][0]


async def coupon_ids(client: GraphQLClient) -> dict[str, str]:
    """A campaign and a coupon of the client's partner, for tests/api/test_nodes.py."""
    campaign, _ = await funded_campaign(client)
    customer = await client.create_customer()
    coupon = await issued_coupon(client, campaign["id"], customer["id"])
    return {"CouponCampaign": campaign["id"], "Coupon": coupon["id"]}
