"""Payments to merchants through the API: a merchant of one partner, a payer of another (tests/api)."""

from __future__ import annotations

from typing import Any

from tests.api.merchant_support import new_merchant, new_request
from tests.factories import GraphQLClient

PAYMENT_FIELDS = ("id amount { amount currency } fee { amount } refunded { amount } status paymentRequestId"
                  " transactionId dryRun merchant { displayName mcc city } refunds { id amount { amount } reason }")
PAY = ("mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) {"
       f" payment {{ {PAYMENT_FIELDS} }} userErrors {{ code field }} }} }}")
REFUND = ("mutation($input: RefundCreateInput!) { refundCreate(input: $input) {"
          " refund { id paymentId amount { amount } reason dryRun } userErrors { code field } } }")


async def pay(payer: GraphQLClient, wallet_id: str, key: str, **values: Any) -> dict[str, Any]:
    """paymentCreate; the payload."""
    return (await payer.ok(PAY, {"input": {"fromWalletId": wallet_id, "idempotencyKey": key, **values}}))["paymentCreate"]


async def refund(merchant_partner: GraphQLClient, payment_id: str, amount: str, key: str, **values: Any) -> dict[str, Any]:
    """refundCreate; the payload."""
    body = {"paymentId": payment_id, "amount": amount, "reason": "customer returned it", "idempotencyKey": key, **values}
    return (await merchant_partner.ok(REFUND, {"input": body}))["refundCreate"]


async def shop_and_payer(merchant_partner: GraphQLClient, payer_partner: GraphQLClient, *, balance: str = "500.00",
                         **request: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A merchant with one payment request (of merchant_partner) and a funded payer wallet (of payer_partner)."""
    merchant = await new_merchant(merchant_partner)
    payment_request = await new_request(merchant_partner, merchant["id"], **request)
    wallet = await payer_partner.open_wallet("CNY")
    assert (await payer_partner.top_up(wallet["id"], balance))["userErrors"] == []
    return merchant, payment_request, wallet["id"]


async def matrix_request(client: GraphQLClient, settles_customer: str, settles_wallet: str) -> dict[str, Any]:
    """A fresh single-use 1.00 request of a merchant of the client's partner settling into settles_wallet."""
    from tests.api.merchant_support import stored_merchant

    merchant = await stored_merchant(client.partner_id, settles_customer, settles_wallet)
    return await new_request(client, merchant, amount="1.00", singleUse=True)


async def matrix_payment(client: GraphQLClient, *, payer_wallet: str, settles_customer: str, settles_wallet: str) -> str:
    """A payment of 1.00 from payer_wallet to a new merchant of the client's partner; its global ID."""
    request = await matrix_request(client, settles_customer, settles_wallet)
    paid = await pay(client, payer_wallet, f"matrix-{request['id'][-12:]}", qrPayload=request["payload"])
    assert paid["userErrors"] == [], paid
    return paid["payment"]["id"]


AUTH_FIELDS = "id amount { amount } captured { amount } remaining { amount } status expiresAt dryRun merchant { displayName }"
AUTHORIZE = ("mutation($input: AuthorizationCreateInput!) { authorizationCreate(input: $input) {"
             f" authorization {{ {AUTH_FIELDS} }} userErrors {{ code field }} }} }}")
CAPTURE = ("mutation($input: AuthorizationCaptureInput!) { authorizationCapture(input: $input) {"
           " payment { id amount { amount } status } userErrors { code field } } }")
VOID = ("mutation($input: AuthorizationVoidInput!) { authorizationVoid(input: $input) {"
        f" authorization {{ {AUTH_FIELDS} }} userErrors {{ code field }} }} }}")


async def authorize(payer: GraphQLClient, wallet_id: str, merchant_id: str, amount: str, key: str, **values: Any) -> dict[str, Any]:
    """authorizationCreate; the payload."""
    body = {"walletId": wallet_id, "merchantId": merchant_id, "amount": amount, "idempotencyKey": key, **values}
    return (await payer.ok(AUTHORIZE, {"input": body}))["authorizationCreate"]


async def capture(shop: GraphQLClient, authorization_id: str, amount: str, key: str, **values: Any) -> dict[str, Any]:
    """authorizationCapture; the payload."""
    body = {"authorizationId": authorization_id, "amount": amount, "idempotencyKey": key, **values}
    return (await shop.ok(CAPTURE, {"input": body}))["authorizationCapture"]


async def void(client: GraphQLClient, authorization_id: str) -> dict[str, Any]:
    """authorizationVoid; the payload."""
    return (await client.ok(VOID, {"input": {"authorizationId": authorization_id}}))["authorizationVoid"]


async def available(client: GraphQLClient, wallet_id: str) -> str:
    """The wallet's available balance."""
    data = await client.ok("query($id: ID!) { wallet(id: $id) { availableBalance { amount } } }", {"id": wallet_id})
    return data["wallet"]["availableBalance"]["amount"]


async def payment_ids(client: GraphQLClient) -> dict[str, str]:
    """One Payment, Refund and PaymentAuthorization of the partner (payer and merchant both), by type name."""
    merchant = await new_merchant(client)
    request = await new_request(client, merchant["id"], amount="4.00", singleUse=True)
    wallet = await client.open_wallet("CNY")
    assert (await client.top_up(wallet["id"], "20.00"))["userErrors"] == []
    payment = (await pay(client, wallet["id"], "nodes-pay", qrPayload=request["payload"]))["payment"]
    refunded = (await refund(client, payment["id"], "1.00", "nodes-refund"))["refund"]
    reserved = (await authorize(client, wallet["id"], merchant["id"], "2.00", "nodes-auth"))["authorization"]
    return {"Payment": payment["id"], "Refund": refunded["id"], "PaymentAuthorization": reserved["id"]}


async def matrix_authorization(client: GraphQLClient, *, payer_wallet: str, settles_customer: str,
                               settles_wallet: str) -> str:
    """An ACTIVE 1.00 authorisation of payer_wallet for a new merchant of the client's partner; its global ID."""
    from tests.api.merchant_support import stored_merchant

    merchant = await stored_merchant(client.partner_id, settles_customer, settles_wallet)
    created = await authorize(client, payer_wallet, merchant, "1.00", f"matrix-auth-{merchant[-12:]}")
    assert created["userErrors"] == [], created
    return created["authorization"]["id"]
