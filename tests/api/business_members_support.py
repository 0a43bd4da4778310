"""Business members and maker-checker through the API (issue 16 parts 5-6): a funded business with members."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from tests.factories import GraphQLClient, next_id

MEMBER_FIELDS = "id customerId name role status createdAt removedAt"
MEMBER_ADD = ("mutation($input: BusinessMemberAddInput!) { businessMemberAdd(input: $input) {"
              f" member {{ {MEMBER_FIELDS} }} userErrors {{ code field message }} }} }}")
MEMBER_REMOVE = ("mutation($input: BusinessMemberRemoveInput!) { businessMemberRemove(input: $input) {"
                 f" member {{ {MEMBER_FIELDS} }} userErrors {{ code field message }} }} }}")
MEMBERS = ("query($c: ID!, $removed: Boolean!) { businessMembers(customerId: $c, includeRemoved: $removed, first: 50)"
           " { nodes { id name role status } } }")
POLICY_SET = ("mutation($input: BusinessApprovalPolicySetInput!) { businessApprovalPolicySet(input: $input) {"
              " policy { id customerId threshold { amount currency } } userErrors { code field message } } }")
POLICY = ("query($c: ID!, $cur: String!) { businessApprovalPolicy(customerId: $c, currency: $cur) {"
          " id threshold { amount currency } } }")
REQUEST_FIELDS = ("id customerId kind fromWalletId toWalletId amount { amount currency } memo status makerMemberId"
                  " checkerMemberId transactionId reason createdAt expiresAt decidedAt")
REQUEST_CREATE = ("mutation($input: PayoutRequestCreateInput!) { payoutRequestCreate(input: $input) {"
                  f" payoutRequest {{ {REQUEST_FIELDS} }} userErrors {{ code field message }} }} }}")
REQUEST_APPROVE = ("mutation($input: PayoutRequestApproveInput!) { payoutRequestApprove(input: $input) {"
                   f" payoutRequest {{ {REQUEST_FIELDS} }} userErrors {{ code field message }} }} }}")
REQUEST_REJECT = ("mutation($input: PayoutRequestRejectInput!) { payoutRequestReject(input: $input) {"
                  f" payoutRequest {{ {REQUEST_FIELDS} }} userErrors {{ code field message }} }} }}")
REQUESTS = ("query($c: ID!, $s: PayoutRequestStatus) { payoutRequests(customerId: $c, status: $s, first: 50) {"
            " nodes { id status amount { amount currency } } } }")
WALLET = "query($id: ID!) { wallet(id: $id) { balance { amount } availableBalance { amount } } }"
TOKEN = ("mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) { token memberId memberRole"
         " userErrors { code field message } } }")
ALL_SCOPES = ["customers:read", "customers:write", "wallets:read", "wallets:write", "transactions:read",
              "transactions:write", "fees:read"]


@dataclass
class Business:
    """A BUSINESS customer of `partner` with a funded CNY wallet, a payee wallet and members by role."""

    partner: GraphQLClient
    customer_id: str
    wallet_id: str
    payee_wallet_id: str
    member_ids: dict[str, str]  # name -> member global ID


async def add_member(client: GraphQLClient, customer_id: str, name: str, role: str) -> dict[str, Any]:
    """businessMemberAdd's payload."""
    data = await client.ok(MEMBER_ADD, {"input": {"customerId": customer_id, "name": name, "role": role}})
    return data["businessMemberAdd"]


async def business(partner: GraphQLClient, *, fund: str = "1000.00",
                   roles: dict[str, str] | None = None) -> Business:
    """A funded business with members (default: owner OWNER, admin ADMIN, accountant ACCOUNTANT, viewer VIEWER)."""
    customer = await partner.create_customer(kind="BUSINESS", displayName="Acme Trading Co")
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    assert (await partner.top_up(wallet["id"], fund))["userErrors"] == []
    payee = await partner.open_wallet("CNY")
    members: dict[str, str] = {}
    for name, role in (roles or {"owner": "OWNER", "admin": "ADMIN", "accountant": "ACCOUNTANT",
                                 "viewer": "VIEWER"}).items():
        added = await add_member(partner, customer["id"], name, role)
        assert added["userErrors"] == [], added
        members[name] = added["member"]["id"]
    return Business(partner=partner, customer_id=customer["id"], wallet_id=wallet["id"],
                    payee_wallet_id=payee["id"], member_ids=members)


async def member_session(biz: Business, name: str, scopes: list[str] | None = None) -> GraphQLClient:
    """A customer token of the business acting as one member (customerTokenCreate with memberId)."""
    data = await biz.partner.ok(TOKEN, {"input": {"customerId": biz.customer_id, "scopes": scopes or ALL_SCOPES,
                                                  "ttlSeconds": 600, "memberId": biz.member_ids[name]}})
    payload = data["customerTokenCreate"]
    assert payload["userErrors"] == [], payload
    return dataclasses.replace(biz.partner, token=payload["token"], scopes=scopes or ALL_SCOPES)


async def set_threshold(client: GraphQLClient, customer_id: str, amount: str, currency: str = "CNY") -> dict[str, Any]:
    """businessApprovalPolicySet's payload."""
    data = await client.ok(POLICY_SET, {"input": {"customerId": customer_id,
                                                  "thresholdAmount": {"amount": amount, "currency": currency}}})
    return data["businessApprovalPolicySet"]


async def request_payout(client: GraphQLClient, biz: Business, amount: str, *, key: str | None = None,
                         to_wallet: str | None = "payee", **extra: Any) -> dict[str, Any]:
    """payoutRequestCreate's payload: a transfer to the payee wallet (to_wallet=None: a withdrawal)."""
    values = {"fromWalletId": biz.wallet_id, "amount": amount, "idempotencyKey": key or next_id("payout"), **extra}
    if to_wallet is not None:
        values["toWalletId"] = biz.payee_wallet_id if to_wallet == "payee" else to_wallet
    return (await client.ok(REQUEST_CREATE, {"input": values}))["payoutRequestCreate"]


async def decide(client: GraphQLClient, request_id: str, *, approve: bool, reason: str | None = None) -> dict[str, Any]:
    """payoutRequestApprove / payoutRequestReject's payload."""
    if approve:
        return (await client.ok(REQUEST_APPROVE, {"input": {"payoutRequestId": request_id}}))["payoutRequestApprove"]
    values: dict[str, Any] = {"payoutRequestId": request_id, **({"reason": reason} if reason else {})}
    return (await client.ok(REQUEST_REJECT, {"input": values}))["payoutRequestReject"]


async def balances(client: GraphQLClient, wallet_id: str) -> tuple[str, str]:
    """(balance, availableBalance) of a wallet."""
    data = (await client.ok(WALLET, {"id": wallet_id}))["wallet"]
    return data["balance"]["amount"], data["availableBalance"]["amount"]


async def matrix_business(partner: GraphQLClient) -> Business:
    """A business for the permission matrix: an OWNER and an ADMIN, a threshold of 100.00 CNY."""
    biz = await business(partner, fund="500.00", roles={"owner": "OWNER", "admin": "ADMIN"})
    assert (await set_threshold(partner, biz.customer_id, "100.00"))["userErrors"] == []
    return biz


async def business_ids(partner: GraphQLClient) -> dict[str, str]:
    """A BusinessMember, BusinessApprovalPolicy and PayoutRequest of the partner, for tests/api/test_nodes.py."""
    biz = await matrix_business(partner)
    policy = (await partner.ok(POLICY, {"c": biz.customer_id, "cur": "CNY"}))["businessApprovalPolicy"]
    maker = await member_session(biz, "admin")
    request = await request_payout(maker, biz, "150.00")
    assert request["userErrors"] == [], request
    return {"BusinessMember": biz.member_ids["owner"], "BusinessApprovalPolicy": policy["id"],
            "PayoutRequest": request["payoutRequest"]["id"]}
