"""Deterministic factories: partners, tokens, customers, wallets and money, via the real API.

Names come from a counter, not randomness, so a failing test names the same
objects on every run. Every partner is new, so tests never see each other's data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from auth.scopes import PARTNER_SCOPES
from services.partners import create_partner

_sequence = itertools.count(1)


def next_id(prefix: str) -> str:
    """A unique, deterministic name such as 'cust-0007'."""
    return f"{prefix}-{next(_sequence):04d}"


@dataclass
class BearerSession:
    """A caller with a bearer token: GraphQL in one call (partners and staff alike)."""

    http: httpx.AsyncClient
    token: str

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        """POST the operation and return the raw HTTP response."""
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST the operation; return the JSON body (data and errors)."""
        response = await self.raw(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST the operation and assert it had no GraphQL errors; return data."""
        body = await self.gql(query, variables)
        assert not body.get("errors"), body
        return body["data"]


@dataclass
class GraphQLClient(BearerSession):
    """A partner's API session: token in hand, GraphQL in one call."""

    partner_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: list[str] = field(default_factory=list)

    async def create_customer(self, **overrides: Any) -> dict[str, Any]:
        """customerCreate with sensible defaults; returns the customer object."""
        values = {
            "externalRef": next_id("cust"),
            "kind": "INDIVIDUAL",
            "displayName": "Test Customer",
            "country": "CN",
            **overrides,
        }
        data = await self.ok(
            "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
            " customer { id externalRef displayName } userErrors { code message field } } }",
            {"input": values},
        )
        payload = data["customerCreate"]
        assert payload["userErrors"] == [], payload
        return payload["customer"]

    async def open_wallet(self, currency: str = "CNY", customer_id: str | None = None) -> dict[str, Any]:
        """walletOpen (creating a customer when none is given); returns the wallet object."""
        if customer_id is None:
            customer_id = (await self.create_customer())["id"]
        data = await self.ok(
            "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
            " wallet { id currency status balance { amount currency } } userErrors { code message field } } }",
            {"input": {"customerId": customer_id, "currency": currency}},
        )
        payload = data["walletOpen"]
        assert payload["userErrors"] == [], payload
        return payload["wallet"]

    async def top_up(self, wallet_id: str, amount: str, key: str | None = None) -> dict[str, Any]:
        """walletTopUp; returns the payload (transaction and userErrors)."""
        data = await self.ok(
            "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input) {"
            " transaction { id kind amount { amount currency } } userErrors { code message field } } }",
            {"input": {"walletId": wallet_id, "amount": amount, "idempotencyKey": key or next_id("topup")}},
        )
        return data["walletTopUp"]

    async def transfer(self, from_id: str, to_id: str, amount: str, key: str | None = None, memo: str | None = None) -> dict[str, Any]:
        """transferCreate; returns the payload (transaction and userErrors)."""
        data = await self.ok(
            "mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
            " transaction { id kind amount { amount currency } memo } userErrors { code message field } } }",
            {"input": {"fromWalletId": from_id, "toWalletId": to_id, "amount": amount,
                       "idempotencyKey": key or next_id("xfer"), "memo": memo}},
        )
        return data["transferCreate"]

    async def withdraw(self, wallet_id: str, amount: str, key: str | None = None) -> dict[str, Any]:
        """withdrawalCreate; returns the payload (transaction and userErrors)."""
        data = await self.ok(
            "mutation($input: WithdrawalCreateInput!) { withdrawalCreate(input: $input) {"
            " transaction { id kind amount { amount currency } } userErrors { code message field } } }",
            {"input": {"walletId": wallet_id, "amount": amount, "idempotencyKey": key or next_id("wd")}},
        )
        return data["withdrawalCreate"]

    async def balance(self, wallet_id: str) -> str:
        """The wallet's balance amount as a decimal string."""
        data = await self.ok("query($id: ID!) { wallet(id: $id) { balance { amount } } }", {"id": wallet_id})
        return data["wallet"]["balance"]["amount"]


class ApiClientFactory:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def partner(self, *, scopes: list[str] | None = None, token_scopes: list[str] | None = None) -> GraphQLClient:
        """A new partner with an API client, and a token obtained through POST /oauth/token."""
        created = await create_partner(name=next_id("partner"), scopes=scopes or list(PARTNER_SCOPES))
        form = {
            "grant_type": "client_credentials",
            "client_id": created.client.client_id,
            "client_secret": created.client_secret,
        }
        if token_scopes is not None:
            form["scope"] = " ".join(token_scopes)
        response = await self.http.post("/oauth/token", data=form)
        assert response.status_code == 200, response.text
        body = response.json()
        return GraphQLClient(
            http=self.http,
            token=body["access_token"],
            partner_id=str(created.partner.id),
            client_id=created.client.client_id,
            client_secret=created.client_secret,
            scopes=body["scope"].split(),
        )
