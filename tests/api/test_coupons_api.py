"""Coupon campaigns over GraphQL: create (funded), issue, claim by code, Customer.coupons, the discount shown by
feeQuote and qrDecode, paymentCreate(couponIds) with COUPON_NOT_APPLICABLE's reason, and partner isolation."""

from __future__ import annotations

from tests.api.coupon_support import (
    CAMPAIGN_CREATE, CLAIM, COUPONS, PAY, campaign_input, funded_campaign, issued_coupon,
)
from tests.api.payment_support import shop_and_payer
from tests.api.staff_support import customer_session
from tests.factories import next_id

QUOTE = ("query($input: FeeQuoteInput!) { feeQuote(input: $input) { amount { amount } fee { amount }"
         " discount { amount currency } totalDebit { amount } } }")
DECODE = ("query($payload: String!, $wallet: ID, $coupons: [ID!]) { qrDecode(payload: $payload, fromWalletId: $wallet,"
          " couponIds: $coupons) { amount { amount } discount { amount } totalDebit { amount } } }")


async def _customer_of(client, wallet_id: str) -> str:  # type: ignore[no-untyped-def]
    data = await client.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet_id})
    return data["wallet"]["customer"]["id"]


async def test_a_partner_runs_a_campaign_its_customer_sees_the_discount_and_pays_less(clients):
    a = await clients.partner()
    campaign, funding = await funded_campaign(a)
    assert campaign["budget"] == {"amount": "100.00", "currency": "CNY"} and campaign["budgetUsed"]["amount"] == "0.00"
    assert await a.balance(funding) == "400.00"  # the budget moved into the campaign's own account
    merchant, request, wallet = await shop_and_payer(a, a, amount="80.00", singleUse=True)
    customer = await _customer_of(a, wallet)
    coupon = await issued_coupon(a, campaign["id"], customer)
    listed = (await a.ok(COUPONS, {"id": customer, "status": "ISSUED"}))["customer"]["coupons"]["nodes"]
    assert [c["id"] for c in listed] == [coupon["id"]]
    quote = (await a.ok(QUOTE, {"input": {"kind": "PAYMENT", "amount": "80.00", "currency": "CNY",
                                          "merchantId": merchant["id"], "fromWalletId": wallet,
                                          "couponIds": [coupon["id"]]}}))["feeQuote"]
    assert quote["discount"] == {"amount": "10.00", "currency": "CNY"} and quote["totalDebit"]["amount"] == "70.00"
    decoded = (await a.ok(DECODE, {"payload": request["payload"], "wallet": wallet, "coupons": [coupon["id"]]}))["qrDecode"]
    assert decoded["discount"]["amount"] == "10.00" and decoded["totalDebit"]["amount"] == "70.00"
    paid = (await a.ok(PAY, {"input": {"fromWalletId": wallet, "qrPayload": request["payload"], "couponIds": [coupon["id"]],
                                       "idempotencyKey": next_id("cpay")}}))["paymentCreate"]
    assert paid["userErrors"] == [] and paid["payment"]["amount"]["amount"] == "80.00"
    assert await a.balance(wallet) == "430.00"  # 500.00 less 70.00
    used = (await a.ok(COUPONS, {"id": customer, "status": "REDEEMED"}))["customer"]["coupons"]["nodes"]
    assert used[0]["paymentId"] == paid["payment"]["id"] and used[0]["discount"]["amount"] == "10.00"
    _, again, _ = await shop_and_payer(a, a, amount="80.00", singleUse=True)
    refused = (await a.ok(PAY, {"input": {"fromWalletId": wallet, "qrPayload": again["payload"],
                                          "couponIds": [coupon["id"]], "idempotencyKey": next_id("cpay")}}))["paymentCreate"]
    assert refused["userErrors"] == [{"code": "COUPON_NOT_APPLICABLE", "field": ["couponIds", "0"]}]
    assert refused["couponRefusal"] == {"reason": "ALREADY_USED", "couponId": coupon["id"]}
    assert await a.balance(wallet) == "430.00"


async def test_claim_by_code_respects_the_per_customer_limit_and_partners_are_isolated(clients):
    a, b = await clients.partner(), await clients.partner()
    campaign, _ = await funded_campaign(a)
    customer = (await a.create_customer())["id"]
    session = await customer_session(a, customer, ["customers:read", "customers:write"])
    claimed = (await session.ok(CLAIM, {"input": {"code": campaign["claimCode"].lower()}}))["couponClaim"]
    assert claimed["userErrors"] == [] and claimed["coupon"]["claimed"] is True
    second = (await session.ok(CLAIM, {"input": {"code": campaign["claimCode"]}}))["couponClaim"]
    assert second["userErrors"][0]["code"] == "COUPON_NOT_APPLICABLE"
    assert second["couponRefusal"]["reason"] == "CUSTOMER_LIMIT_REACHED"
    # Another partner's customer cannot claim A's code, nor see A's campaign or coupon.
    other = (await b.create_customer())["id"]
    hidden = (await b.ok(CLAIM, {"input": {"code": campaign["claimCode"], "customerId": other}}))["couponClaim"]
    assert hidden["userErrors"][0]["code"] == "NOT_FOUND"
    node = await b.ok("query($id: ID!) { node(id: $id) { id } }", {"id": campaign["id"]})
    assert node["node"] is None
    coupon = await b.ok("query($id: ID!) { node(id: $id) { id } }", {"id": claimed["coupon"]["id"]})
    assert coupon["node"] is None


async def test_bad_campaign_input_is_refused_with_nothing_moved(clients):
    a = await clients.partner()
    wallet = await a.open_wallet("CNY")
    assert (await a.top_up(wallet["id"], "50.00"))["userErrors"] == []
    for overrides, code in (({"budget": "60.00"}, "INSUFFICIENT_FUNDS"), ({"amountOff": "1.005"}, "INVALID_AMOUNT"),
                            ({"perCustomerLimit": 0}, "VALIDATION"), ({"issuer": "BANK"}, "VALIDATION"),
                            ({"mccs": ["58"]}, "VALIDATION")):
        body = (await a.ok(CAMPAIGN_CREATE, {"input": campaign_input(wallet["id"], **overrides)}))["couponCampaignCreate"]
        assert body["campaign"] is None and body["userErrors"][0]["code"] == code, (overrides, body)
    assert await a.balance(wallet["id"]) == "50.00"
    # A retry with the same key answers the original campaign and moves the budget once; other terms conflict.
    same = campaign_input(wallet["id"], budget="20.00")
    first = (await a.ok(CAMPAIGN_CREATE, {"input": same}))["couponCampaignCreate"]
    again = (await a.ok(CAMPAIGN_CREATE, {"input": same}))["couponCampaignCreate"]
    assert first["userErrors"] == [] and again["campaign"]["id"] == first["campaign"]["id"]
    assert await a.balance(wallet["id"]) == "30.00"
    other = (await a.ok(CAMPAIGN_CREATE, {"input": {**same, "budget": "10.00"}}))["couponCampaignCreate"]
    assert other["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT" and await a.balance(wallet["id"]) == "30.00"
