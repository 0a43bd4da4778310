"""Deterministic factories: partners, tokens, customers, wallets and money, via the real API.

Names come from a counter, not randomness, so a failing test names the same
objects on every run. Every partner is new, so tests never see each other's data.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any

import httpx

from auth.scopes import PARTNER_SCOPES
from models import CompliancePolicy, Customer
from models.enums import KycStatus
from schema.common.relay import parse_global_id
from services.compliance.policy_document import check_tiers
from services.compliance.standing_channel import announce_standing_changed
from services.money import CURRENCY_EXPONENTS
from services.partners.onboarding import create_partner
from tests.raw_ids import assert_no_raw_ids

CHECK_RAW_IDS = os.environ.get("QIANBAO_TEST_RAW_IDS", "1") != "0"

# The tier factories give new customers unless a test asks otherwise: the
# highest tier of the shipped packs, so that tests about money movement are
# not refused by the lowest tier's limits. Compliance tests pass kyc_tier=None
# (no approved KYC) or the tier they are about.
DEFAULT_TEST_TIER = 3


UNLIMITED_COUNTRY = "AQ"


async def ensure_unlimited_pack() -> None:
    """A test-only pack for Antarctica (AQ): every currency, no limits, no AML rules.

    For tests about ledger invariants under random or extreme movements, not
    about compliance: their customers live where no limit or rule applies, so
    a refusal they see is a ledger refusal. Compliance has its own tests on
    the shipped packs.
    """
    if await CompliancePolicy.exists(jurisdiction="QA-UNLIMITED"):
        return
    unlimited = {code: {} for code in CURRENCY_EXPONENTS}
    await CompliancePolicy.create(
        jurisdiction="QA-UNLIMITED", name="Tests: no limits", countries=[UNLIMITED_COUNTRY], timezone="UTC",
        large_transaction_thresholds={}, aml_rules={},
        tiers=check_tiers([{"tier": 1, "name": "Unlimited", "crossBorder": True, "limits": unlimited}]),
    )
    await announce_standing_changed()


async def grant_tier(customer_id: Any, tier: int) -> None:
    """Test shortcut: the customer as if compliance had approved its KYC at `tier` (no submission stored)."""
    if isinstance(customer_id, str) and (parsed := parse_global_id(customer_id)) is not None:
        customer_id = parsed[1]
    await Customer.filter(id=customer_id).update(kyc_status=KycStatus.APPROVED, kyc_tier=tier)
    await announce_standing_changed()

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
        """POST the operation and return the raw HTTP response (which must carry no raw UUID: tests/raw_ids.py)."""
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if CHECK_RAW_IDS:
            assert_no_raw_ids(response.text, query)
        return response

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

    async def create_customer(self, *, kyc_tier: int | None = DEFAULT_TEST_TIER, **overrides: Any) -> dict[str, Any]:
        """customerCreate with sensible defaults (KYC approved at kyc_tier unless None); returns the customer object."""
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
        if kyc_tier is not None:
            await grant_tier(payload["customer"]["id"], kyc_tier)
        return payload["customer"]

    async def open_wallet(self, currency: str = "CNY", customer_id: str | None = None) -> dict[str, Any]:
        """walletOpen (creating a customer when none is given); returns the wallet object."""
        if customer_id is None:
            # China's pack covers only CNY: a customer for any other currency lives under the default pack.
            customer_id = (await self.create_customer(country="CN" if currency.upper() == "CNY" else "US"))["id"]
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
