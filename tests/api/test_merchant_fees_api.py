"""Merchant fees (PAYMENT rules paid by the RECEIVER) over GraphQL: quoted as charged, shared, refunded per rule.

Every rule here belongs to the test's own merchant partner, so no other test's
payments are charged by it (a RECEIVER rule applies to its partner's merchants).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from models import FeeRule
from services.ledger.verify import verify_ledger
from tests.api.merchant_support import new_merchant, new_request, raw
from tests.api.payment_support import authorize, capture, pay, refund, shop_and_payer
from tests.api.staff_support import StaffClient, StaffFactory, staff  # noqa: F401 - fixture
from tests.api.test_sandbox_isolation import sandbox_fund, sandbox_partner
from tests.factories import ApiClientFactory, GraphQLClient
from schema.common.relay import to_global_id

CREATE = ("mutation($input: FeeRuleInput!) { feeRuleCreate(input: $input) {"
          " rule { id payer mcc merchantId refundTreatment rateBps } userErrors { code field } } }")
SHARE = ("mutation($input: PartnerFeeShareInput!) { partnerFeeShareSet(input: $input) {"
         " partner { id } userErrors { code } } }")
DECODE = ("query($p: String!, $w: ID, $a: Decimal) { qrDecode(payload: $p, fromWalletId: $w, amount: $a) {"
          " fee { amount } totalDebit { amount } merchantFee { amount } feeLines { paidBy amount { amount } } } }")
QUOTE = ("query($input: FeeQuoteInput!) { feeQuote(input: $input) { fee { amount } merchantFee { amount }"
         " merchantLines { paidBy kind amount { amount } rule { id } } } }")
PAYMENT = ("query($id: ID!) { payment(id: $id) { amount { amount } fee { amount } merchantFee { amount }"
           " refunds { amount { amount } merchantFeeReturned { amount } } } }")
REVENUE = ("query($f: DateTime!, $t: DateTime!) { feeRevenue(occurredFrom: $f, occurredTo: $t, groupBy: PARTNER) {"
           " group transactions revenue { amount } } }")


def partner_gid(client: GraphQLClient) -> str:
    """The client's partner as a global ID."""
    import uuid

    return to_global_id("Partner", uuid.UUID(client.partner_id))


@pytest.fixture
async def admin(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("admin")


async def merchant_rule(admin: StaffClient, shop: GraphQLClient, **terms: Any) -> dict[str, Any]:
    """A RECEIVER PAYMENT rule of the shop's partner, in CNY; the rule."""
    body = {"kind": "PAYMENT", "payer": "RECEIVER", "partnerId": partner_gid(shop), "currency": "CNY", **terms}
    payload = (await admin.ok(CREATE, {"input": body}))["feeRuleCreate"]
    assert payload["userErrors"] == [], payload
    return payload["rule"]


async def test_a_merchant_rate_comes_out_of_what_the_merchant_receives_quoted_as_charged(
        clients: ApiClientFactory, admin: StaffClient):
    shop, payer = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop, payer, amount="100.00", singleUse=True)
    rule = await merchant_rule(admin, shop, rateBps=150, feeMin="0.10", refundTreatment="RETURNED")
    assert (rule["payer"], rule["refundTreatment"]) == ("RECEIVER", "RETURNED")
    assert (await admin.ok(SHARE, {"input": {"partnerId": partner_gid(shop), "shareBps": 2000}}))[
        "partnerFeeShareSet"]["userErrors"] == []
    started = datetime.now(timezone.utc)

    # Quoted before anything moves: the merchant's partner sees the merchant fee; the payer sees only its own fee.
    seen_by_shop = (await shop.ok(DECODE, {"p": request["payload"]}))["qrDecode"]
    seen_by_payer = (await payer.ok(DECODE, {"p": request["payload"], "w": wallet}))["qrDecode"]
    assert seen_by_shop["merchantFee"] == {"amount": "1.50"}
    assert seen_by_payer == {"fee": {"amount": "0.00"}, "totalDebit": {"amount": "100.00"}, "merchantFee": None,
                             "feeLines": []}
    quote = {"kind": "PAYMENT", "amount": "100.00", "currency": "CNY", "merchantId": merchant["id"]}
    shop_quote = (await shop.ok(QUOTE, {"input": quote}))["feeQuote"]
    assert shop_quote["merchantFee"] == {"amount": "1.50"}
    assert shop_quote["merchantLines"] == [{"paidBy": "RECEIVER", "kind": "PAYMENT", "amount": {"amount": "1.50"},
                                            "rule": {"id": rule["id"]}}]
    assert (await payer.ok(QUOTE, {"input": {**quote, "fromWalletId": wallet}}))["feeQuote"]["merchantFee"] is None

    # Charged exactly so: the payer pays 100.00, the merchant's wallet receives 98.50.
    paid = await pay(payer, wallet, "mdr-pay", qrPayload=request["payload"])
    assert paid["userErrors"] == [], paid
    payment_id = paid["payment"]["id"]
    assert await payer.balance(wallet) == "400.00"
    assert await shop.balance(merchant["settlementWalletId"]) == "98.50"
    shop_view = (await shop.ok(PAYMENT, {"id": payment_id}))["payment"]
    payer_view = (await payer.ok(PAYMENT, {"id": payment_id}))["payment"]
    assert shop_view["merchantFee"] == {"amount": "1.50"} and payer_view["merchantFee"] is None

    # RETURNED: a refund of 40 % gives back 40 % of each part, rounded down (partner 0.30 -> 0.12, bank 1.20 -> 0.48).
    back = await refund(shop, payment_id, "40.00", "mdr-refund")
    assert back["userErrors"] == [], back
    assert await shop.balance(merchant["settlementWalletId"]) == "59.10"  # 98.50 - 40.00 + 0.60
    assert await payer.balance(wallet) == "440.00"
    refunds = (await shop.ok(PAYMENT, {"id": payment_id}))["payment"]["refunds"]
    assert refunds == [{"amount": {"amount": "40.00"}, "merchantFeeReturned": {"amount": "0.60"}}]
    assert (await payer.ok(PAYMENT, {"id": payment_id}))["payment"]["refunds"][0]["merchantFeeReturned"] is None

    # The bank's revenue report counts the merchant fee under the merchant's partner, net of what was given back.
    window = {"f": (started - timedelta(seconds=5)).isoformat(), "t": (datetime.now(timezone.utc) + timedelta(
        seconds=5)).isoformat()}
    lines = (await admin.ok(REVENUE, window))["feeRevenue"]
    assert [(line["revenue"], line["transactions"]) for line in lines if line["group"] == partner_gid(shop)] == [
        ({"amount": "0.90"}, 2)]
    assert (await verify_ledger()).ok


async def test_a_retained_merchant_fee_stays_with_the_bank_on_refund(clients: ApiClientFactory, admin: StaffClient):
    shop, payer = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop, payer, amount="10.00", singleUse=True)
    rule = await merchant_rule(admin, shop, fixed="0.25")
    assert rule["refundTreatment"] == "RETAINED"  # the default of a RECEIVER rule
    paid = await pay(payer, wallet, "kept-pay", qrPayload=request["payload"])
    assert await shop.balance(merchant["settlementWalletId"]) == "9.75"
    back = await refund(shop, paid["payment"]["id"], "5.00", "kept-refund")
    assert back["userErrors"] == []
    assert await shop.balance(merchant["settlementWalletId"]) == "4.75"
    # The merchant cannot give back more than it holds: a full refund of what it kept a fee of needs the fee too.
    too_much = await refund(shop, paid["payment"]["id"], "5.00", "kept-refund-2")
    assert [e["code"] for e in too_much["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert await shop.balance(merchant["settlementWalletId"]) == "4.75"
    assert (await verify_ledger()).ok


async def test_a_merchant_rule_beats_a_category_rule_and_a_fee_never_exceeds_the_payment(
        clients: ApiClientFactory, admin: StaffClient):
    shop, payer = await clients.partner(), await clients.partner()
    special, special_request, wallet = await shop_and_payer(shop, payer, amount="20.00", singleUse=True)
    ordinary = await new_merchant(shop)  # same category (5812) as the special one
    ordinary_request = await new_request(shop, ordinary["id"], amount="20.00", singleUse=True)
    tiny = await new_request(shop, ordinary["id"], amount="0.05", singleUse=True)
    await merchant_rule(admin, shop, mcc="5812", rateBps=100, feeMin="0.10")
    await merchant_rule(admin, shop, merchantId=special["id"], rateBps=50)
    assert (await pay(payer, wallet, "sel-1", qrPayload=special_request["payload"]))["userErrors"] == []
    assert (await pay(payer, wallet, "sel-2", qrPayload=ordinary_request["payload"]))["userErrors"] == []
    assert (await pay(payer, wallet, "sel-3", qrPayload=tiny["payload"]))["userErrors"] == []
    assert await shop.balance(special["settlementWalletId"]) == "19.90"  # 0.5 %
    # 1 % of 20.00; and the 0.10 minimum on a 0.05 payment takes the 0.05, no more.
    assert await shop.balance(ordinary["settlementWalletId"]) == "19.80"
    assert await payer.balance(wallet) == "459.95"
    assert (await verify_ledger()).ok


async def test_a_capture_is_charged_the_merchant_fee_too(clients: ApiClientFactory, admin: StaffClient):
    shop, payer = await clients.partner(), await clients.partner()
    merchant = await new_merchant(shop)
    wallet = (await payer.open_wallet("CNY"))["id"]
    assert (await payer.top_up(wallet, "50.00"))["userErrors"] == []
    await merchant_rule(admin, shop, rateBps=200)
    held = await authorize(payer, wallet, merchant["id"], "30.00", "cap-auth")
    assert held["userErrors"] == [], held
    taken = await capture(shop, held["authorization"]["id"], "30.00", "cap-1")
    assert taken["userErrors"] == [], taken
    assert await shop.balance(merchant["settlementWalletId"]) == "29.40"
    assert await payer.balance(wallet) == "20.00"
    assert (await verify_ledger()).ok


async def test_bad_merchant_rules_are_refused_and_store_nothing(clients: ApiClientFactory, admin: StaffClient):
    shop, other = await clients.partner(), await clients.partner()
    foreign = await new_merchant(other)
    before = await FeeRule.all().count()
    bad = [
        ({"kind": "TRANSFER", "payer": "RECEIVER"}, "VALIDATION", "payer"),
        ({"kind": "TRANSFER", "mcc": "5812"}, "VALIDATION", "mcc"),
        ({"kind": "PAYMENT", "mcc": "0000"}, "VALIDATION", "mcc"),
        ({"kind": "PAYMENT", "payer": "RECEIVER", "freePerMonth": 3}, "VALIDATION", "freePerMonth"),
        ({"kind": "PAYMENT", "refundTreatment": "RETURNED"}, "VALIDATION", "refundTreatment"),
        ({"kind": "PAYMENT", "payer": "RECEIVER", "merchantId": foreign["id"]}, "NOT_FOUND", "merchantId"),
        ({"kind": "PAYMENT", "payer": "RECEIVER", "merchantId": "bm90LWEtbWVyY2hhbnQ="}, "NOT_FOUND", "merchantId"),
    ]
    for terms, code, field in bad:
        body = {"partnerId": partner_gid(shop), "currency": "CNY", "rateBps": 100, **terms}
        payload = (await admin.ok(CREATE, {"input": body}))["feeRuleCreate"]
        assert (payload["rule"], [(e["code"], e["field"][-1]) for e in payload["userErrors"]]) == (
            None, [(code, field)]), terms
    assert await FeeRule.all().count() == before
    # Two equal rules for the same merchants overlap; a SENDER and a RECEIVER rule of the same terms do not.
    await merchant_rule(admin, shop, mcc="5812", rateBps=10)
    clash = (await admin.ok(CREATE, {"input": {"kind": "PAYMENT", "payer": "RECEIVER", "partnerId": partner_gid(shop),
                                               "currency": "CNY", "mcc": "5812", "rateBps": 20}}))["feeRuleCreate"]
    assert [e["code"] for e in clash["userErrors"]] == ["VALIDATION"]
    sender = (await admin.ok(CREATE, {"input": {"kind": "PAYMENT", "partnerId": partner_gid(shop), "currency": "CNY",
                                                "mcc": "5812", "rateBps": 20}}))["feeRuleCreate"]
    assert sender["userErrors"] == [] and sender["rule"]["payer"] == "SENDER"
    assert raw(sender["rule"]["id"]) != raw(clash["rule"]["id"]) if clash["rule"] else True


async def test_sandbox_money_never_pays_a_live_merchant(clients: ApiClientFactory, http):
    live_shop = await clients.partner()
    merchant = await new_merchant(live_shop)
    sandbox = await sandbox_partner(http)
    wallet = (await sandbox.open_wallet("CNY"))["id"]
    assert (await sandbox_fund(sandbox, wallet, "50.00"))["userErrors"] == []
    held = await authorize(sandbox, wallet, merchant["id"], "10.00", "cross-env")
    assert ([(e["code"], e["field"][-1]) for e in held["userErrors"]], held["authorization"]) == (
        [("NOT_FOUND", "merchantId")], None)
    assert await sandbox.balance(wallet) == "50.00"
    assert await live_shop.balance(merchant["settlementWalletId"]) == "0.00"
