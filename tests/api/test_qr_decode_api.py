"""paymentRequestCreate and qrDecode over GraphQL: a payer of another partner previews a merchant's code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models import PaymentRequest
from services import clock
from tests.api.merchant_support import DECODE, REQUEST, new_merchant, new_request, raw
from tests.api.staff_support import customer_session
from tests.api.support import error_codes

IMAGES = "query($id: ID!) { node(id: $id) { ... on PaymentRequest { id imageSvg imagePng payload } } }"
SUSPEND = ("mutation($input: MerchantStatusInput!) { merchantSuspend(input: $input) { merchant { status }"
           " userErrors { code } } }")


async def test_a_dynamic_code_is_previewed_by_a_payer_of_another_partner(clients):
    a, payer = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    request = await new_request(a, merchant["id"], amount="12.50", reference="ORDER-42", singleUse=True)
    assert request["kind"] == "DYNAMIC" and request["amount"] == {"amount": "12.50", "currency": "CNY"}
    assert request["merchantId"] == merchant["id"] and request["singleUse"] and request["expiresAt"]
    assert request["payload"].startswith("000201")
    preview = (await payer.ok(DECODE, {"p": request["payload"]}))["qrDecode"]
    assert preview["paymentRequestId"] == request["id"] and preview["kind"] == "DYNAMIC"
    assert preview["amount"] == {"amount": "12.50", "currency": "CNY"} and preview["reference"] == "ORDER-42"
    assert preview["merchant"] == {"merchantId": merchant["id"], "displayName": "Noodle Bar", "mcc": "5812",
                                   "categoryName": merchant["categoryName"], "city": "Shanghai", "country": "CN"}
    # The payer sees the public face only: the merchant and the request stay private to their partner.
    assert error_codes(await payer.gql("query($id: ID!) { merchant(id: $id) { id } }", {"id": merchant["id"]})) == ["NOT_FOUND"]
    assert (await payer.ok("query($id: ID!) { node(id: $id) { id } }", {"id": request["id"]}))["node"] is None
    # A payer's frontend (customer token with transactions:read) previews too.
    frontend = await customer_session(payer, (await payer.create_customer())["id"], ["transactions:read"])
    assert (await frontend.ok(DECODE, {"p": request["payload"]}))["qrDecode"]["paymentRequestId"] == request["id"]


async def test_a_static_code_and_its_images(clients):
    a, payer = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    request = await new_request(a, merchant["id"])
    assert (request["kind"], request["amount"], request["expiresAt"], request["singleUse"]) == ("STATIC", None, None, False)
    images = (await a.ok(IMAGES, {"id": request["id"]}))["node"]
    assert images["imageSvg"].startswith("data:image/svg+xml") and images["imagePng"].startswith("data:image/png;base64,")
    preview = (await payer.ok(DECODE, {"p": request["payload"]}))["qrDecode"]
    assert (preview["kind"], preview["amount"], preview["expiresAt"], preview["currency"]) == ("STATIC", None, None, "CNY")


async def test_payment_request_refusals(clients):
    a, b = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    far = (datetime.now(timezone.utc) + timedelta(hours=25)).isoformat()
    cases = [
        (a, {"amount": "1.00", "expiresAt": past, "singleUse": True}, "VALIDATION", ["expiresAt"]),
        (a, {"amount": "1.00", "expiresAt": far, "singleUse": True}, "VALIDATION", ["expiresAt"]),
        (a, {"singleUse": True}, "VALIDATION", ["singleUse"]),
        (a, {"amount": "1.001", "singleUse": True}, "INVALID_AMOUNT", ["amount"]),
        (b, {"amount": "1.00", "singleUse": True}, "NOT_FOUND", ["merchantId"]),
    ]
    for client, values, code, field in cases:
        payload = (await client.ok(REQUEST, {"input": {"merchantId": merchant["id"], **values}}))["paymentRequestCreate"]
        assert payload["paymentRequest"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], (values, payload)


async def test_qr_decode_errors_carry_stable_codes(clients):
    a, payer = await clients.partner(), await clients.partner()
    merchant = await new_merchant(a)
    request = await new_request(a, merchant["id"], amount="3.00", singleUse=True)
    payload = request["payload"]
    damaged = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    body = await payer.gql(DECODE, {"p": damaged})
    assert error_codes(body) == ["INVALID_QR"] and "CRC" in body["errors"][0]["message"]
    assert error_codes(await payer.gql(DECODE, {"p": "not a qr code"})) == ["INVALID_QR"]

    with clock.frozen_at(datetime.now(timezone.utc) - timedelta(hours=1)):
        stale = await new_request(a, merchant["id"], amount="3.00", singleUse=True)  # expired 45 minutes ago
    assert error_codes(await payer.gql(DECODE, {"p": stale["payload"]})) == ["PAYMENT_REQUEST_EXPIRED"]

    await PaymentRequest.filter(id=raw(request["id"])).update(paid_at=datetime.now(timezone.utc))
    assert error_codes(await payer.gql(DECODE, {"p": payload})) == ["ALREADY_PAID"]

    static = await new_request(a, merchant["id"])
    suspended = await a.ok(SUSPEND, {"input": {"merchantId": merchant["id"], "reason": "under review"}})
    assert suspended["merchantSuspend"]["merchant"]["status"] == "SUSPENDED"
    assert error_codes(await payer.gql(DECODE, {"p": static["payload"]})) == ["MERCHANT_NOT_ACTIVE"]
