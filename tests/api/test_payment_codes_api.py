"""paymentCodeCreate and paymentCollect through the API: a customer's code of one partner, collected by another's till."""

from __future__ import annotations

import base64
import io
from typing import Any

import zxingcpp
from PIL import Image

from schema.common.relay import to_global_id
from tests.api.merchant_support import new_merchant
from tests.factories import ApiClientFactory, GraphQLClient

CODE_FIELDS = ("id walletId code lastDigits maxAmount { amount currency } status expiresAt usedAt paymentId createdAt"
               " qrSvg qrPng barcodeSvg")
CREATE = ("mutation($input: PaymentCodeCreateInput!) { paymentCodeCreate(input: $input) {"
          f" paymentCode {{ {CODE_FIELDS} }} userErrors {{ code field }} }} }}")
COLLECT = ("mutation($input: PaymentCollectInput!) { paymentCollect(input: $input) {"
           " payment { id amount { amount currency } status paymentRequestId transactionId dryRun merchant { displayName } }"
           " userErrors { code field } } }")
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on PaymentCode {{ {CODE_FIELDS} }} }} }}"


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def issue(client: GraphQLClient, wallet_id: str, **values: Any) -> dict[str, Any]:
    return (await client.ok(CREATE, {"input": {"walletId": wallet_id, **values}}))["paymentCodeCreate"]


async def collect(client: GraphQLClient, merchant_id: str, code: str, amount: str, key: str, **values: Any) -> dict[str, Any]:
    body = {"merchantId": merchant_id, "code": code, "amount": amount, "idempotencyKey": key, **values}
    return (await client.ok(COLLECT, {"input": body}))["paymentCollect"]


def png(url: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(url[len(prefix):])))


async def test_a_customer_code_of_one_partner_is_collected_once_by_another_partner(clients: ApiClientFactory):
    shop, bank = await clients.partner(), await clients.partner()
    merchant = await new_merchant(shop)
    wallet = await bank.open_wallet("CNY")
    assert (await bank.top_up(wallet["id"], "100.00"))["userErrors"] == []
    issued = await issue(bank, wallet["id"], maxAmount="30.00")
    assert codes(issued) == []
    code = issued["paymentCode"]
    assert len(code["code"]) == 20 and code["code"].isdigit() and code["lastDigits"] == code["code"][-4:]
    assert (code["status"], code["maxAmount"], code["walletId"]) == ("ACTIVE", {"amount": "30.00", "currency": "CNY"},
                                                                      wallet["id"])
    # QR codes only: zxing-cpp's 1D readers can misread a QR code's modules as a short barcode.
    assert [r.text for r in zxingcpp.read_barcodes(png(code["qrPng"]), formats=zxingcpp.BarcodeFormat.QRCode)] == [code["code"]]
    assert code["qrSvg"].startswith("data:image/svg+xml;base64,") and code["barcodeSvg"].startswith("data:image/svg+xml")

    over = await collect(shop, merchant["id"], code["code"], "30.01", "c-0")
    assert codes(over) == ["LIMIT_EXCEEDED"] and over["payment"] is None
    dry = await collect(shop, merchant["id"], code["code"], "30.00", "c-dry", dryRun=True)
    assert codes(dry) == [] and dry["payment"]["dryRun"] is True
    paid = await collect(shop, merchant["id"], code["code"], "30.00", "c-1")
    assert codes(paid) == []
    payment = paid["payment"]
    assert (payment["amount"], payment["status"], payment["paymentRequestId"], payment["transactionId"]) == (
        {"amount": "30.00", "currency": "CNY"}, "POSTED", None, None)  # the merchant's side: not the payer's transaction
    assert await bank.balance(wallet["id"]) == "70.00"
    assert await shop.balance(merchant["settlementWalletId"]) == "30.00"
    assert (await collect(shop, merchant["id"], code["code"], "30.00", "c-1"))["payment"]["id"] == payment["id"]
    assert codes(await collect(shop, merchant["id"], code["code"], "30.00", "c-2")) == ["CODE_USED"]
    assert await bank.balance(wallet["id"]) == "70.00"

    # The payer's partner reads the code (no digits any more) and the payment, with its transaction.
    read = (await bank.ok(NODE, {"id": code["id"]}))["node"]
    assert (read["status"], read["code"], read["qrPng"], read["paymentId"]) == ("USED", None, None, payment["id"])
    seen = await bank.ok("query($id: ID!) { payment(id: $id) { transactionId } }", {"id": payment["id"]})
    assert seen["payment"]["transactionId"]
    assert (await shop.ok(NODE, {"id": code["id"]}))["node"] is None


async def test_unknown_codes_answer_alike_and_guessing_is_rate_limited(clients: ApiClientFactory):
    shop, bank = await clients.partner(), await clients.partner()
    merchant = await new_merchant(shop)
    wallet = await bank.open_wallet("CNY")
    real = (await issue(bank, wallet["id"]))["paymentCode"]["code"]
    answers = []
    for n, guess in enumerate(["not a code", "8" + "0" * 19, "12345", "8" + "1" * 19, "8" + "2" * 19, "8" + "3" * 19,
                               "8" + "4" * 19, "8" + "5" * 19, "8" + "6" * 19, "8" + "7" * 19]):
        answers.append(await collect(shop, merchant["id"], guess, "1.00", f"g-{n}"))
    assert {tuple(codes(a)) for a in answers} == {("NOT_FOUND",)}
    assert {a["userErrors"][0]["field"][0] for a in answers} == {"code"}
    limited = await collect(shop, merchant["id"], real, "1.00", "g-real")
    assert codes(limited) == ["RATE_LIMITED"]


async def test_bad_input(clients: ApiClientFactory):
    bank = await clients.partner()
    wallet = await bank.open_wallet("CNY")
    assert codes(await issue(bank, wallet["id"], maxAmount="-1")) == ["INVALID_AMOUNT"]
    assert codes(await issue(bank, to_global_id("Wallet", "00000000-0000-0000-0000-000000000000"))) == ["NOT_FOUND"]
    other = await clients.partner()
    assert codes(await issue(other, wallet["id"])) == ["NOT_FOUND"]
