"""Sandbox isolation both ways (issue 11 item 9, "Sandbox partners"), through the GraphQL API.

A sandbox partner (partnerCreate(environment: SANDBOX)) and a live partner
each get a customer, two wallets and some money. Then each tries every query
and mutation on the other's objects: every attempt answers exactly as for an
ID that names nothing, and the other's ledger does not move. Lists never show
the other environment's objects; sandboxFund is refused to live tokens;
sandbox money never shows in live fee revenue; a token whose `env` claim is
tampered with, or does not match its partner, is refused with HTTP 401; magic
KYC values decide a sandbox review at once and nothing for a live partner;
staff see both environments, each object flagged.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from auth.scopes import PARTNER_SCOPES
from models import AmlAlert
from schema.common.relay import to_global_id
from services.fees.schedule import create_rule
from services.ledger.verify import verify_ledger
from services.partners.onboarding import create_partner
from tests.api import kyc_support
from tests.api.staff_support import StaffFactory, bearer, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid, random_global_id, snapshot
from tests.factories import GraphQLClient, next_id

PAYLOAD = "userErrors { code message field }"
FUND = (f"mutation($input: SandboxFundInput!) {{ sandboxFund(input: $input) {{"
        f" transaction {{ id kind amount {{ amount currency }} }} {PAYLOAD} }} }}")
VIEWER = "{ viewer { kind environment partner { id environment } } }"

QUERIES = {
    "customer": ("Customer", "query($id: ID!) { customer(id: $id) { id externalRef wallets { nodes { id } } } }"),
    "wallet": ("Wallet", "query($id: ID!) { wallet(id: $id) { id balance { amount } } }"),
    "transaction": ("Transaction", "query($id: ID!) { transaction(id: $id) { id amount { amount } } }"),
    "node-customer": ("Customer", "query($id: ID!) { node(id: $id) { id ... on Customer { displayName } } }"),
    "node-wallet": ("Wallet", "query($id: ID!) { node(id: $id) { id ... on Wallet { currency } } }"),
    "node-transaction": ("Transaction", "query($id: ID!) { node(id: $id) { id ... on Transaction { kind } } }"),
    "wallets-of-customer": ("Customer", "query($id: ID) { wallets(customerId: $id) { nodes { id } } }"),
    "transactions-of-wallet": ("Wallet", "query($id: ID) { transactions(walletId: $id) { nodes { id } } }"),
}

MUTATIONS = {
    "walletOpen": ("Customer", f"mutation($id: ID!) {{ walletOpen(input: {{customerId: $id, currency: \"CNY\"}})"
                               f" {{ wallet {{ id }} {PAYLOAD} }} }}"),
    "walletTopUp": ("Wallet", f"mutation($id: ID!, $key: String!) {{ walletTopUp(input: {{walletId: $id,"
                              f" amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}"),
    "withdrawalCreate": ("Wallet", f"mutation($id: ID!, $key: String!) {{ withdrawalCreate(input: {{walletId: $id,"
                                   f" amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}"),
    "transferCreate-into-other": (
        "Wallet", f"mutation($id: ID!, $mine: ID!, $key: String!) {{ transferCreate(input: {{fromWalletId: $mine,"
                  f" toWalletId: $id, amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}"),
    "transferCreate-out-of-other": (
        "Wallet", f"mutation($id: ID!, $mine: ID!, $key: String!) {{ transferCreate(input: {{fromWalletId: $id,"
                  f" toWalletId: $mine, amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}"),
    "customerTokenCreate": ("Customer", f"mutation($id: ID!) {{ customerTokenCreate(input: {{customerId: $id,"
                                        f" scopes: [\"wallets:read\"]}}) {{ token {PAYLOAD} }} }}"),
}

LISTS = [
    "{ customers(first: 100) { nodes { id wallets(first: 100) { nodes { id transactions(first: 100) { nodes { id } } } } } } }",
    "{ wallets(first: 100) { nodes { id customer { id } } } }",
    "{ transactions(first: 100) { nodes { id fromWallet { id } toWallet { id } } } }",
]


async def sandbox_partner(http: httpx.AsyncClient) -> GraphQLClient:
    """A new sandbox partner and a token from POST /oauth/token (its `env` claim says sandbox)."""
    created = await create_partner(name=next_id("sandbox"), scopes=list(PARTNER_SCOPES), environment="SANDBOX")
    response = await http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": created.client.client_id, "client_secret": created.client_secret,
    })
    assert response.status_code == 200, response.text
    body = response.json()
    return GraphQLClient(http=http, token=body["access_token"], partner_id=str(created.partner.id),
                         client_id=created.client.client_id, client_secret=created.client_secret,
                         scopes=body["scope"].split())


async def sandbox_fund(partner: GraphQLClient, wallet_id: str, amount: str, key: str | None = None) -> dict:
    """sandboxFund; returns the payload."""
    data = await partner.ok(FUND, {"input": {"walletId": wallet_id, "amount": amount, "idempotencyKey": key or next_id("fund")}})
    return data["sandboxFund"]


def claims_of(token: str) -> dict:
    """The token's payload, unverified (to read what it carries)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@dataclass
class Side:
    """One partner's world: its session, one object of each kind, its wallets and every id it owns."""

    client: GraphQLClient
    ids: dict[str, str]
    wallets: list[str]
    all_ids: set[str]


async def _side(client: GraphQLClient, fund) -> Side:  # noqa: ANN001 - the funding coroutine of its environment
    customer = await client.create_customer()
    first = await client.open_wallet("CNY", customer_id=customer["id"])
    second = await client.open_wallet("CNY")
    funded = await fund(first["id"], "100.00")
    assert funded["userErrors"] == [], funded
    transfer = await client.transfer(first["id"], second["id"], "25.00")
    withdrawal = await client.withdraw(second["id"], "5.00")
    transactions = [p["transaction"]["id"] for p in (funded, transfer, withdrawal)]
    return Side(client=client, ids={"Customer": customer["id"], "Wallet": first["id"], "Transaction": transactions[1]},
                wallets=[first["id"], second["id"]],
                all_ids={customer["id"], first["id"], second["id"], *transactions})


@dataclass
class Worlds:
    live: Side
    sandbox: Side

    def pair(self, direction: str) -> tuple[Side, Side]:
        """(the caller, the side it reaches for)."""
        return (self.sandbox, self.live) if direction == "sandbox-on-live" else (self.live, self.sandbox)


@pytest.fixture
async def worlds(clients, http) -> Worlds:
    live = await clients.partner()
    sandbox = await sandbox_partner(http)
    return Worlds(
        live=await _side(live, live.top_up),
        sandbox=await _side(sandbox, lambda wallet_id, amount: sandbox_fund(sandbox, wallet_id, amount)),
    )


DIRECTIONS = ["sandbox-on-live", "live-on-sandbox"]


# --- the environment is visible ----------------------------------------------------


async def test_a_sandbox_token_says_so_and_a_live_one_too(worlds):
    for side, environment in ((worlds.sandbox, "SANDBOX"), (worlds.live, "LIVE")):
        viewer = (await side.client.ok(VIEWER))["viewer"]
        assert (viewer["environment"], viewer["partner"]["environment"]) == (environment, environment)
        assert claims_of(side.client.token)["env"] == environment.lower()
    customer = await customer_session(worlds.sandbox.client, worlds.sandbox.ids["Customer"], ["wallets:read"])
    assert claims_of(customer.token)["env"] == "sandbox"
    assert (await customer.ok(VIEWER))["viewer"]["environment"] == "SANDBOX"
    # The customer token reads its own sandbox wallet, and a live wallet not at all.
    assert (await customer.ok("query($id: ID!) { wallet(id: $id) { id } }", {"id": worlds.sandbox.ids["Wallet"]}))["wallet"]
    missing = await customer.gql("query($id: ID!) { wallet(id: $id) { id } }", {"id": worlds.live.ids["Wallet"]})
    assert error_codes(missing) == ["NOT_FOUND"]


# --- isolation, both ways -------------------------------------------------------------


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("name", list(QUERIES))
async def test_queries_on_the_other_environments_ids_answer_like_missing_ones(worlds, direction, name):
    caller, other = worlds.pair(direction)
    type_name, document = QUERIES[name]
    before = await snapshot(other.client, other.wallets)
    on_other = await caller.client.gql(document, {"id": other.ids[type_name]})
    on_nothing = await caller.client.gql(document, {"id": random_global_id(type_name)})
    if name.startswith("node"):
        assert on_other == {"data": {"node": None}}, on_other
    else:
        assert error_codes(on_other) == ["NOT_FOUND"], on_other
    assert on_other == on_nothing, "an object of the other environment must be indistinguishable from a missing one"
    assert await snapshot(other.client, other.wallets) == before
    assert not (await other.client.gql(document, {"id": other.ids[type_name]})).get("errors")  # the ID is real


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_mutations_on_the_other_environments_ids_answer_like_missing_ones(worlds, direction, name):
    caller, other = worlds.pair(direction)
    type_name, document = MUTATIONS[name]
    other_before = await snapshot(other.client, other.wallets)
    own_before = await snapshot(caller.client, caller.wallets)
    mine = caller.wallets[0]
    on_other = await caller.client.ok(document, {"id": other.ids[type_name], "mine": mine, "key": next_id("probe")})
    on_nothing = await caller.client.ok(document, {"id": random_global_id(type_name), "mine": mine, "key": next_id("probe")})
    payload = next(iter(on_other.values()))
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], payload
    assert on_other == on_nothing, "an object of the other environment must be indistinguishable from a missing one"
    assert await snapshot(other.client, other.wallets) == other_before
    assert await snapshot(caller.client, caller.wallets) == own_before


@pytest.mark.parametrize("document", LISTS, ids=["customers", "wallets", "transactions"])
async def test_lists_never_show_the_other_environments_objects(worlds, document):
    for caller, other in (worlds.pair(d) for d in DIRECTIONS):
        seen = _ids(await caller.client.ok(document))
        assert seen & caller.all_ids, "its own objects must be listed (else this proves nothing)"
        assert not seen & other.all_ids


async def test_sandbox_fund_cannot_reach_a_live_wallet_and_live_tokens_cannot_fund_at_all(worlds, staff):  # noqa: F811
    live, sandbox = worlds.live, worlds.sandbox
    before = await snapshot(live.client, live.wallets)
    # A sandbox token aiming at a live wallet: NOT_FOUND, exactly as for a wallet that does not exist.
    on_live = await sandbox_fund(sandbox.client, live.ids["Wallet"], "1.00", key="probe-live")
    on_nothing = await sandbox_fund(sandbox.client, random_global_id("Wallet"), "1.00", key="probe-nothing")
    assert [e["code"] for e in on_live["userErrors"]] == ["NOT_FOUND"] and on_live == on_nothing
    # A live token may not mint money at all, not even into its own wallet: FORBIDDEN.
    refused = await live.client.gql(FUND, {"input": {"walletId": live.ids["Wallet"], "amount": "1.00", "idempotencyKey": "k"}})
    assert error_codes(refused) == ["FORBIDDEN"] and refused["data"] is None
    assert await snapshot(live.client, live.wallets) == before
    # Nor a sandbox customer's frontend, nor bank staff.
    customer = await customer_session(sandbox.client, sandbox.ids["Customer"], ["transactions:write", "wallets:read"])
    admin = await staff("admin")
    for session in (customer, admin):
        body = await session.gql(FUND, {"input": {"walletId": sandbox.ids["Wallet"], "amount": "1.00", "idempotencyKey": "k"}})
        assert error_codes(body) == ["FORBIDDEN"], body


# --- sandboxFund ---------------------------------------------------------------------------


async def test_sandbox_fund_mints_test_money_idempotently_within_the_wallets_limits(worlds):
    sandbox = worlds.sandbox.client
    wallet = worlds.sandbox.ids["Wallet"]
    before = float(await sandbox.balance(wallet))
    funded = await sandbox_fund(sandbox, wallet, "50.00", key="fund-once")
    assert funded["userErrors"] == [] and funded["transaction"]["kind"] == "SANDBOX_FUND"
    assert funded["transaction"]["amount"] == {"amount": "50.00", "currency": "CNY"}
    assert await sandbox_fund(sandbox, wallet, "50.00", key="fund-once") == funded  # replayed, not minted twice
    conflict = await sandbox_fund(sandbox, wallet, "51.00", key="fund-once")
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert float(await sandbox.balance(wallet)) == before + 50
    # The customer's tier caps the balance: the EU pack's tier 1 holds at most 150 EUR.
    small = await sandbox.open_wallet("EUR", customer_id=(await sandbox.create_customer(country="DE", kyc_tier=1))["id"])
    over = await sandbox_fund(sandbox, small["id"], "150.01")
    assert [e["code"] for e in over["userErrors"]] == ["LIMIT_EXCEEDED"] and over["transaction"] is None
    assert (await verify_ledger()).ok


# --- reports ----------------------------------------------------------------------------------


async def test_sandbox_money_never_shows_in_live_revenue(worlds, staff):  # noqa: F811
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    for side, fixed in ((worlds.live, 300), (worlds.sandbox, 900)):
        await create_rule(terms={"partner_id": uuid.UUID(side.client.partner_id), "kind": "TRANSFER", "currency": "CNY",
                                 "fixed_minor": fixed}, created_by="test:sandbox")
        paid = await side.client.transfer(side.wallets[0], side.wallets[1], "10.00")
        assert paid["userErrors"] == [], paid
    end = datetime.now(timezone.utc) + timedelta(seconds=1)
    analyst = await staff("analyst")
    query = ("query($f: DateTime!, $t: DateTime!, $e: PartnerEnvironment!) { feeRevenue(occurredFrom: $f,"
             " occurredTo: $t, groupBy: PARTNER, environment: $e) { group revenue { amount currency } } }")
    window = {"f": start.isoformat(), "t": end.isoformat()}
    default = await analyst.ok(query.replace(", environment: $e", "").replace(", $e: PartnerEnvironment!", ""), window)
    live_lines = {line["group"]: line["revenue"]["amount"] for line in default["feeRevenue"]}
    live_gid, sandbox_gid = (to_global_id("Partner", uuid.UUID(s.client.partner_id)) for s in (worlds.live, worlds.sandbox))
    assert live_lines.get(live_gid) == "3.00" and sandbox_gid not in live_lines
    asked = await analyst.ok(query, {**window, "e": "SANDBOX"})
    sandbox_lines = {line["group"]: line["revenue"]["amount"] for line in asked["feeRevenue"]}
    assert sandbox_lines.get(sandbox_gid) == "9.00" and live_gid not in sandbox_lines
    assert (await verify_ledger()).ok


async def test_staff_see_both_environments_each_flagged(worlds, staff):  # noqa: F811
    compliance = await staff("compliance")
    alerts = {}
    for side in (worlds.live, worlds.sandbox):
        alert = await AmlAlert.create(partner_id=uuid.UUID(side.client.partner_id), customer_id=object_uuid(side.ids["Customer"]),
                                      rule="LARGE_TRANSACTION", severity="LOW", action="ALERT", details={"sandbox": True})
        alerts[to_global_id("AmlAlert", alert.id)] = side
    query = "query($e: PartnerEnvironment) { amlAlerts(first: 100, environment: $e) { nodes { id environment } } }"
    every = {n["id"]: n["environment"] for n in (await compliance.ok(query, {"e": None}))["amlAlerts"]["nodes"]}
    for alert_id, side in alerts.items():
        assert every[alert_id] == ("SANDBOX" if side is worlds.sandbox else "LIVE")
    live_only = {n["id"] for n in (await compliance.ok(query, {"e": "LIVE"}))["amlAlerts"]["nodes"]}
    sandbox_only = {n["id"] for n in (await compliance.ok(query, {"e": "SANDBOX"}))["amlAlerts"]["nodes"]}
    assert {a for a, s in alerts.items() if s is worlds.live} <= live_only and not live_only & {
        a for a, s in alerts.items() if s is worlds.sandbox}
    assert {a for a, s in alerts.items() if s is worlds.sandbox} <= sandbox_only
    customers = "query($id: ID!) { customer(id: $id) { environment } }"
    assert (await compliance.ok(customers, {"id": worlds.sandbox.ids["Customer"]}))["customer"]["environment"] == "SANDBOX"
    assert (await compliance.ok(customers, {"id": worlds.live.ids["Customer"]}))["customer"]["environment"] == "LIVE"


# --- tokens ----------------------------------------------------------------------------------------


def _tampered(token: str, **changes: object) -> str:
    """The token with its payload edited and its signature kept."""
    header, payload, signature = token.split(".")
    edited = {**claims_of(token), **changes}
    body = base64.urlsafe_b64encode(json.dumps(edited, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


async def test_a_token_with_a_tampered_or_mismatched_env_claim_is_refused(worlds, app, http):
    sandbox, live = worlds.sandbox.client, worlds.live.client
    tokens = app.state.qianbao.tokens

    async def status(token: str) -> int:
        response = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(token))
        return response.status_code

    assert await status(sandbox.token) == 200
    # Edited after signing: the signature no longer matches.
    assert await status(_tampered(sandbox.token, env="live")) == 401
    assert await status(_tampered(live.token, env="sandbox")) == 401
    # Signed by us but claiming the other environment than its partner's: refused at liveness.
    for partner, environment in ((sandbox, "live"), (live, "sandbox")):
        token, _ = tokens.issue_partner_token(client_id=partner.client_id, partner_id=uuid.UUID(partner.partner_id),
                                              scopes=["wallets:read"], ttl_s=300, environment=environment)
        assert await status(token) == 401, environment
        token, _ = tokens.issue_customer_token(
            client_id=partner.client_id, partner_id=uuid.UUID(partner.partner_id),
            customer_id=object_uuid((worlds.sandbox if partner is sandbox else worlds.live).ids["Customer"]),
            scopes=["wallets:read"], ttl_s=300, environment=environment,
        )
        assert await status(token) == 401, environment


# --- magic KYC values ---------------------------------------------------------------------------------


async def test_magic_kyc_values_decide_a_sandbox_review_at_once_and_nothing_for_a_live_partner(worlds, staff):  # noqa: F811
    sandbox, live = worlds.sandbox.client, worlds.live.client
    outcomes = {}
    for partner in (sandbox, live):
        customer = await partner.create_customer(kyc_tier=None)
        payload = await kyc_support.submit(partner, kyc_support.individual(customer["id"], idNumber="SANDBOX-APPROVE-2"))
        assert payload["userErrors"] == [], payload
        outcomes[partner.partner_id] = payload["submission"]
        state = await partner.ok("query($id: ID!) { customer(id: $id) { kycStatus kycTier } }", {"id": customer["id"]})
        expected = {"kycStatus": "APPROVED", "kycTier": 2} if partner is sandbox else {"kycStatus": "PENDING", "kycTier": 0}
        assert state["customer"] == expected
    assert (outcomes[sandbox.partner_id]["status"], outcomes[sandbox.partner_id]["tierGranted"]) == ("APPROVED", 2)
    assert (outcomes[live.partner_id]["status"], outcomes[live.partner_id]["tierGranted"]) == ("PENDING", None)
    # Staff reviewing see which submission is a sandbox one.
    compliance = await staff("compliance")
    query = "query($id: ID!) { kycSubmission(id: $id) { status environment } }"
    for partner, environment in ((sandbox, "SANDBOX"), (live, "LIVE")):
        seen = await compliance.ok(query, {"id": outcomes[partner.partner_id]["id"]})
        assert seen["kycSubmission"]["environment"] == environment


def _ids(value: object) -> set[str]:
    """Every "id" anywhere in a response."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                found.add(item)
            else:
                found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found
