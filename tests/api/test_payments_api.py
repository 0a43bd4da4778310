"""paymentCreate and refundCreate through the API: across partners, once per single-use code, refunds bounded."""

from __future__ import annotations

from tests.api.support import error_codes
from tests.api.payment_support import pay, refund, shop_and_payer
from tests.factories import ApiClientFactory


def codes(payload: dict) -> list[str]:
    """The userErrors codes of a payload."""
    return [e["code"] for e in payload["userErrors"]]


async def test_a_payer_of_one_partner_pays_a_merchant_of_another_once(clients: ApiClientFactory):
    shop_partner, payer_partner = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop_partner, payer_partner, amount="12.50", singleUse=True)
    paid = await pay(payer_partner, wallet, "pay-1", qrPayload=request["payload"])
    assert codes(paid) == []
    payment = paid["payment"]
    assert (payment["amount"]["amount"], payment["status"], payment["dryRun"]) == ("12.50", "POSTED", False)
    assert payment["merchant"]["displayName"] == merchant["displayName"] and payment["transactionId"]
    assert await payer_partner.balance(wallet) == "487.50"
    settlement = await shop_partner.balance(merchant["settlementWalletId"])
    assert settlement == "12.50"
    # A retry with the same key is the same payment; a second payment of the single-use code is refused.
    again = await pay(payer_partner, wallet, "pay-1", qrPayload=request["payload"])
    assert codes(again) == [] and again["payment"]["id"] == payment["id"]
    second = await pay(payer_partner, wallet, "pay-2", paymentRequestId=request["id"])
    assert codes(second) == ["ALREADY_PAID"] and second["payment"] is None
    assert await payer_partner.balance(wallet) == "487.50"
    # The merchant's partner reads the payment too, without the payer's transaction.
    seen = (await shop_partner.ok("query($id: ID!) { payment(id: $id) { id amount { amount } transactionId } }",
                                  {"id": payment["id"]}))["payment"]
    assert seen == {"id": payment["id"], "amount": {"amount": "12.50"}, "transactionId": None}
    outsider = await clients.partner()
    hidden = await outsider.gql("query($id: ID!) { payment(id: $id) { id } }", {"id": payment["id"]})
    assert error_codes(hidden) == ["NOT_FOUND"]


async def test_a_static_code_takes_the_payers_amount_and_a_dynamic_one_its_own(clients: ApiClientFactory):
    shop_partner, payer_partner = await clients.partner(), await clients.partner()
    _, static, wallet = await shop_and_payer(shop_partner, payer_partner)
    assert codes(await pay(payer_partner, wallet, "s-0", qrPayload=static["payload"])) == ["VALIDATION"]
    one = await pay(payer_partner, wallet, "s-1", qrPayload=static["payload"], amount="3.00")
    two = await pay(payer_partner, wallet, "s-2", qrPayload=static["payload"], amount="4.00")
    assert codes(one) == codes(two) == []
    _, dynamic, _ = await shop_and_payer(shop_partner, payer_partner, amount="9.99", singleUse=True)
    wrong = await pay(payer_partner, wallet, "d-1", qrPayload=dynamic["payload"], amount="1.00")
    assert codes(wrong) == ["VALIDATION"]
    assert codes(await pay(payer_partner, wallet, "d-2", qrPayload=dynamic["payload"], amount="9.99")) == []


async def test_bad_codes_and_bad_wallets_move_nothing(clients: ApiClientFactory):
    shop_partner, payer_partner = await clients.partner(), await clients.partner()
    _, request, wallet = await shop_and_payer(shop_partner, payer_partner, amount="5.00", singleUse=True)
    broken = request["payload"][:-4] + ("0000" if not request["payload"].endswith("0000") else "1111")
    assert codes(await pay(payer_partner, wallet, "b-1", qrPayload=broken)) == ["INVALID_QR"]
    assert codes(await pay(payer_partner, wallet, "b-2")) == ["VALIDATION"]  # neither code nor id
    poor = await payer_partner.open_wallet("CNY")
    assert codes(await pay(payer_partner, poor["id"], "b-3", qrPayload=request["payload"])) == ["INSUFFICIENT_FUNDS"]
    stranger = await clients.partner()
    their_wallet = await stranger.open_wallet("CNY")
    assert codes(await pay(payer_partner, their_wallet["id"], "b-4", qrPayload=request["payload"])) == ["NOT_FOUND"]
    assert await payer_partner.balance(wallet) == "500.00"
    # Still payable after all those refusals.
    assert codes(await pay(payer_partner, wallet, "b-5", qrPayload=request["payload"])) == []


async def test_refunds_never_exceed_the_payment_and_only_the_merchants_partner_refunds(clients: ApiClientFactory):
    shop_partner, payer_partner = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop_partner, payer_partner, amount="20.00", singleUse=True)
    payment = (await pay(payer_partner, wallet, "r-pay", qrPayload=request["payload"]))["payment"]
    assert codes(await refund(payer_partner, payment["id"], "1.00", "r-0")) == ["NOT_FOUND"]  # the payer's partner
    dry = await refund(shop_partner, payment["id"], "15.00", "r-1", dryRun=True)
    assert codes(dry) == [] and dry["refund"]["dryRun"] is True
    assert codes(await refund(shop_partner, payment["id"], "15.00", "r-1")) == []
    assert codes(await refund(shop_partner, payment["id"], "5.01", "r-2")) == ["REFUND_EXCEEDS_PAYMENT"]
    assert codes(await refund(shop_partner, payment["id"], "5.00", "r-3")) == []
    assert codes(await refund(shop_partner, payment["id"], "0.01", "r-4")) == ["REFUND_EXCEEDS_PAYMENT"]
    assert await payer_partner.balance(wallet) == "500.00"
    assert await shop_partner.balance(merchant["settlementWalletId"]) == "0.00"
    seen = (await payer_partner.ok("query($id: ID!) { payment(id: $id) { refunded { amount } refunds { amount { amount } } } }",
                                   {"id": payment["id"]}))["payment"]
    assert seen["refunded"]["amount"] == "20.00" and [r["amount"]["amount"] for r in seen["refunds"]] == ["15.00", "5.00"]


async def test_a_dry_run_payment_leaves_the_code_unpaid(clients: ApiClientFactory):
    shop_partner, payer_partner = await clients.partner(), await clients.partner()
    _, request, wallet = await shop_and_payer(shop_partner, payer_partner, amount="7.00", singleUse=True)
    dry = await pay(payer_partner, wallet, "dry-pay", qrPayload=request["payload"], dryRun=True)
    assert codes(dry) == [] and dry["payment"]["dryRun"] is True and dry["payment"]["transactionId"] is None
    assert await payer_partner.balance(wallet) == "500.00"
    assert codes(await pay(payer_partner, wallet, "dry-pay", qrPayload=request["payload"])) == []
