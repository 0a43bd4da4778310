"""Deferred settlement over GraphQL (issue 13): merchantCreate(settlement: DEFERRED), paymentCreate into the
merchant's clearing account, merchantSettle, and a refund that settles first."""

from __future__ import annotations

from tests.api.merchant_support import CREATE, business_with_wallet, merchant_input, new_request
from tests.api.payment_support import pay, refund

SETTLE = ("mutation($input: MerchantSettleInput!) { merchantSettle(input: $input) { result { merchantId settlements"
          " payments amount { amount currency } unsettled { amount } } userErrors { code field } } }")


async def _merchant(client, settlement: str | None):  # type: ignore[no-untyped-def]
    customer_id, wallet_id = await business_with_wallet(client)
    extra = {"settlement": settlement} if settlement else {}
    created = (await client.ok(CREATE.replace("statusReason", "statusReason settlement"),
                               {"input": merchant_input(customer_id, wallet_id, **extra)}))["merchantCreate"]
    assert created["userErrors"] == [], created
    return created["merchant"]


async def test_a_deferred_merchant_is_paid_through_settlements(clients):
    shop, payer = await clients.partner(), await clients.partner()
    merchant = await _merchant(shop, "DEFERRED")
    assert merchant["settlement"] == "DEFERRED"
    code = await new_request(shop, merchant["id"], amount="12.50")
    wallet = await payer.open_wallet("CNY")
    assert (await payer.top_up(wallet["id"], "100.00"))["userErrors"] == []
    for n in range(2):
        paid = await pay(payer, wallet["id"], f"deferred-{n}", qrPayload=code["payload"])
        assert paid["userErrors"] == [] and paid["payment"]["status"] == "POSTED", paid
    assert await shop.balance(merchant["settlementWalletId"]) == "0.00"  # still in the clearing account
    assert await payer.balance(wallet["id"]) == "75.00"

    settled = (await shop.ok(SETTLE, {"input": {"merchantId": merchant["id"]}}))["merchantSettle"]
    assert settled["userErrors"] == []
    assert settled["result"] == {"merchantId": merchant["id"], "settlements": 1, "payments": 2,
                                 "amount": {"amount": "25.00", "currency": "CNY"}, "unsettled": {"amount": "0.00"}}
    assert await shop.balance(merchant["settlementWalletId"]) == "25.00"
    again = (await shop.ok(SETTLE, {"input": {"merchantId": merchant["id"]}}))["merchantSettle"]["result"]
    assert (again["settlements"], again["amount"]["amount"]) == (0, "0.00")


async def test_a_refund_of_an_unsettled_payment_settles_first(clients):
    shop, payer = await clients.partner(), await clients.partner()
    merchant = await _merchant(shop, "DEFERRED")
    code = await new_request(shop, merchant["id"], amount="30.00")
    wallet = await payer.open_wallet("CNY")
    await payer.top_up(wallet["id"], "100.00")
    paid = await pay(payer, wallet["id"], "deferred-refund", qrPayload=code["payload"])
    back = await refund(shop, paid["payment"]["id"], "10.00", "deferred-refund-1")
    assert back["userErrors"] == [], back
    assert await shop.balance(merchant["settlementWalletId"]) == "20.00"
    assert await payer.balance(wallet["id"]) == "80.00"


async def test_settlement_is_immediate_by_default_and_merchant_settle_refuses_it(clients):
    shop, other = await clients.partner(), await clients.partner()
    merchant = await _merchant(shop, None)
    assert merchant["settlement"] == "IMMEDIATE"
    refused = (await shop.ok(SETTLE, {"input": {"merchantId": merchant["id"]}}))["merchantSettle"]
    assert refused["result"] is None and [e["code"] for e in refused["userErrors"]] == ["VALIDATION"]
    deferred = await _merchant(shop, "DEFERRED")
    hidden = (await other.ok(SETTLE, {"input": {"merchantId": deferred["id"]}}))["merchantSettle"]
    assert hidden["result"] is None and [e["code"] for e in hidden["userErrors"]] == ["NOT_FOUND"]
