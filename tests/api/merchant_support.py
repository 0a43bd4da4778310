"""Merchants and payment requests of a partner, for the API tests (nodes, permission matrix, merchants, qrDecode)."""

from __future__ import annotations

import uuid
from typing import Any

from models import Account, Merchant
from models.enums import AccountKind, MerchantStatus, SettlementTiming
from schema.common.relay import parse_global_id, to_global_id
from tests.factories import GraphQLClient

MERCHANT_FIELDS = "id customerId settlementWalletId displayName mcc categoryName city country status statusReason"
CREATE = ("mutation($input: MerchantCreateInput!) { merchantCreate(input: $input) {"
          f" merchant {{ {MERCHANT_FIELDS} }} userErrors {{ code message field }} }} }}")
REQUEST_FIELDS = ("id merchantId kind amount { amount currency } currency reference singleUse expiresAt paidAt payload"
                  " createdAt")
REQUEST = ("mutation($input: PaymentRequestCreateInput!) { paymentRequestCreate(input: $input) {"
           f" paymentRequest {{ {REQUEST_FIELDS} }} userErrors {{ code message field }} }} }}")
DECODE = ("query($p: String!) { qrDecode(payload: $p) { paymentRequestId kind amount { amount currency } currency"
          " reference expiresAt singleUse merchant { merchantId displayName mcc categoryName city country } } }")


def raw(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def business_with_wallet(client: GraphQLClient, currency: str = "CNY") -> tuple[str, str]:
    """A BUSINESS customer with approved KYC and one wallet: (customer id, wallet id)."""
    customer = await client.create_customer(kind="BUSINESS", displayName="Noodle Bar Ltd")
    wallet = await client.open_wallet(currency, customer["id"])
    return customer["id"], wallet["id"]


def merchant_input(customer_id: str, wallet_id: str, **overrides: Any) -> dict[str, Any]:
    return {"customerId": customer_id, "settlementWalletId": wallet_id, "displayName": "Noodle Bar", "mcc": "5812",
            "city": "Shanghai", "country": "CN", **overrides}


async def new_merchant(client: GraphQLClient, currency: str = "CNY") -> dict[str, Any]:
    """merchantCreate through the API for a new business customer; the merchant."""
    customer_id, wallet_id = await business_with_wallet(client, currency)
    payload = (await client.ok(CREATE, {"input": merchant_input(customer_id, wallet_id)}))["merchantCreate"]
    assert payload["userErrors"] == [], payload
    return payload["merchant"]


async def new_request(client: GraphQLClient, merchant_id: str, **values: Any) -> dict[str, Any]:
    """paymentRequestCreate through the API; the payment request (asserting no userErrors)."""
    body = await client.ok(REQUEST, {"input": {"merchantId": merchant_id, "singleUse": False, **values}})
    payload = body["paymentRequestCreate"]
    assert payload["userErrors"] == [], payload
    return payload["paymentRequest"]


async def stored_merchant(partner_id: str, customer_id: str, wallet_id: str, *, suspended: bool = False,
                          deferred: bool = False) -> str:
    """A merchant written directly (for any customer, as the permission matrix needs); its global ID. deferred: it
    settles DEFERRED, with its clearing account (services.merchants.settlement)."""
    clearing = None
    if deferred:
        clearing = await Account.create(kind=AccountKind.MERCHANT_CLEARING, currency="CNY",
                                        partner_id=uuid.UUID(partner_id), tracks_balance=False)
    row = await Merchant.create(
        settlement=SettlementTiming.DEFERRED if deferred else SettlementTiming.IMMEDIATE,
        clearing_account_id=clearing.id if clearing is not None else None,
        partner_id=uuid.UUID(partner_id), customer_id=raw(customer_id), settlement_wallet_id=raw(wallet_id),
        display_name="Matrix Shop", mcc="5411", city="Beijing", country="CN",
        status=MerchantStatus.SUSPENDED if suspended else MerchantStatus.ACTIVE, status_reason="setup" if suspended else None,
    )
    return to_global_id("Merchant", row.id)


async def merchant_ids(client: GraphQLClient) -> dict[str, str]:
    """One Merchant and one PaymentRequest of the partner, by type name (tests/api/test_nodes.py)."""
    merchant = await new_merchant(client)
    request = await new_request(client, merchant["id"], amount="12.50", singleUse=True)
    return {"Merchant": merchant["id"], "PaymentRequest": request["id"]}
