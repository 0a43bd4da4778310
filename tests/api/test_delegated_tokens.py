"""Delegated customer tokens: what a partner may mint, and what a frontend holding one may do.

customerTokenCreate mints a token of at most 900 s, with scopes inside both the
partner token's and the delegable set, for one of the partner's own customers.
With it a frontend sees only that customer and moves money only out of that
customer's wallets; it never tops up, onboards, opens wallets or mints.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jwt
import pytest

from services.delegated_tokens import CUSTOMER_TOKEN_SCOPES
from tests.api.staff_support import VIEWER, customer_session, viewer_status
from tests.api.support import error_codes, ledger_counts, random_global_id, snapshot
from tests.factories import GraphQLClient, next_id

MINT = (
    "mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) {"
    " token expiresAt scopes customer { id } userErrors { code message field } } }"
)
REVOKE = "mutation($input: TokenRevokeInput!) { tokenRevoke(input: $input) { jti userErrors { code message field } } }"
ALL_DELEGABLE = sorted(CUSTOMER_TOKEN_SCOPES)


@dataclasses.dataclass
class Shop:
    partner: GraphQLClient
    other: GraphQLClient  # another partner
    c1: str
    c2: str
    w1: str  # c1's wallet, 100.00
    w2: str  # c2's wallet, 50.00
    other_wallet: str
    c1_txs: set[str]  # transactions touching c1's wallet
    c2_only_tx: str  # the top-up of w2
    frontend: GraphQLClient  # c1's customer token, every delegable scope


@pytest.fixture
async def shop(clients) -> Shop:
    partner, other = await clients.partner(), await clients.partner()
    c1, c2 = await partner.create_customer(), await partner.create_customer()
    w1 = await partner.open_wallet("CNY", customer_id=c1["id"])
    w2 = await partner.open_wallet("CNY", customer_id=c2["id"])
    t1 = await partner.top_up(w1["id"], "100.00")
    t2 = await partner.top_up(w2["id"], "50.00")
    other_wallet = await other.open_wallet("CNY")
    assert (await other.top_up(other_wallet["id"], "10.00"))["userErrors"] == []
    frontend = await customer_session(partner, c1["id"], ALL_DELEGABLE)
    return Shop(
        partner=partner, other=other, c1=c1["id"], c2=c2["id"], w1=w1["id"], w2=w2["id"],
        other_wallet=other_wallet["id"], c1_txs={t1["transaction"]["id"]}, c2_only_tx=t2["transaction"]["id"],
        frontend=frontend,
    )


async def _mint(partner: GraphQLClient, customer_id: str, scopes: list[str], ttl: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"customerId": customer_id, "scopes": scopes}
    if ttl is not None:
        values["ttlSeconds"] = ttl
    return (await partner.ok(MINT, {"input": values}))["customerTokenCreate"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def _lifetime(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["exp"] - claims["iat"]


# --- minting ------------------------------------------------------------------


async def test_ttl_is_at_most_900_seconds(shop):
    for ttl in (901, 3600, 59, 0, -1):
        refused = await _mint(shop.partner, shop.c1, ["wallets:read"], ttl)
        assert _codes(refused) == ["VALIDATION"] and refused["userErrors"][0]["field"] == ["ttlSeconds"], (ttl, refused)
        assert refused["token"] is None
    longest = await _mint(shop.partner, shop.c1, ["wallets:read"], 900)
    # At most 900 s, and never past the minting token's own expiry (issue 19: it outlived it).
    minter_exp = jwt.decode(shop.partner.token, options={"verify_signature": False})["exp"]
    claims = jwt.decode(longest["token"], options={"verify_signature": False})
    assert _codes(longest) == [] and claims["exp"] == min(claims["iat"] + 900, minter_exp)
    assert claims["mjti"] == jwt.decode(shop.partner.token, options={"verify_signature": False})["jti"]
    default = await _mint(shop.partner, shop.c1, ["wallets:read"])
    assert _codes(default) == [] and _lifetime(default["token"]) == 300
    assert default["customer"]["id"] == shop.c1


async def test_scopes_must_be_within_the_partner_tokens_and_the_delegable_set(shop, http):
    response = await http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": shop.partner.client_id,
        "client_secret": shop.partner.client_secret, "scope": "customers:read customers:write wallets:read",
    })
    assert response.status_code == 200, response.text
    narrow = dataclasses.replace(shop.partner, token=response.json()["access_token"])
    for scopes in (["transactions:read"], ["wallets:read", "transactions:write"]):
        refused = await _mint(narrow, shop.c1, scopes)
        assert _codes(refused) == ["VALIDATION"] and "beyond your own token" in refused["userErrors"][0]["message"]
    # Never delegable, whatever the partner holds.
    for scopes in (["kyc:write"], ["webhooks:manage"], ["wallets:read", "admin"],
                   ["partners:write"], []):
        refused = await _mint(shop.partner, shop.c1, scopes)
        assert _codes(refused) == ["VALIDATION"], (scopes, refused)
        assert refused["token"] is None
    # Within both: granted exactly, and the token carries exactly that.
    granted = await _mint(narrow, shop.c1, ["wallets:read", "customers:read", "wallets:read"])
    assert _codes(granted) == [] and granted["scopes"] == ["customers:read", "wallets:read"]
    session = dataclasses.replace(shop.partner, token=granted["token"])
    viewer = (await session.ok(VIEWER))["viewer"]
    assert viewer == {"kind": "customer", "role": None, "clientId": shop.partner.client_id,
                      "scopes": ["customers:read", "wallets:read"], "customerId": shop.c1}


async def test_another_partners_customer_is_not_found_like_a_missing_one(shop):
    on_a = await _mint(shop.other, shop.c1, ["wallets:read"])
    on_nothing = await _mint(shop.other, random_global_id("Customer"), ["wallets:read"])
    assert _codes(on_a) == ["NOT_FOUND"] and on_a["token"] is None
    assert on_a == on_nothing
    wrong_type = await _mint(shop.partner, shop.w1, ["wallets:read"])
    assert _codes(wrong_type) == ["NOT_FOUND"]


# --- what the frontend sees -----------------------------------------------------


def _ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= {item} if key == "id" and isinstance(item, str) else _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


async def test_the_frontend_sees_only_its_customer(shop):
    f = shop.frontend
    customers = (await f.ok("{ customers(first: 100) { nodes { id } } }"))["customers"]["nodes"]
    assert [node["id"] for node in customers] == [shop.c1]
    wallets = (await f.ok("{ wallets(first: 100) { nodes { id } } }"))["wallets"]["nodes"]
    assert [node["id"] for node in wallets] == [shop.w1]
    transactions = (await f.ok("{ transactions(first: 100) { nodes { id } } }"))["transactions"]["nodes"]
    assert {node["id"] for node in transactions} == shop.c1_txs
    # Its own objects, by ID: found.
    for document, variables in (
        ("query($id: ID!) { customer(id: $id) { id } }", {"id": shop.c1}),
        ("query($id: ID!) { wallet(id: $id) { id } }", {"id": shop.w1}),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": shop.w1}),
        ("query($id: ID) { wallets(customerId: $id) { nodes { id } } }", {"id": shop.c1}),
        ("query($id: ID) { transactions(walletId: $id) { nodes { id } } }", {"id": shop.w1}),
    ):
        assert not (await f.gql(document, variables)).get("errors"), document
    # The other customer's objects of the same partner: not found, like missing ones.
    for document, object_id, type_name in (
        ("query($id: ID!) { customer(id: $id) { id } }", shop.c2, "Customer"),
        ("query($id: ID!) { wallet(id: $id) { id } }", shop.w2, "Wallet"),
        ("query($id: ID!) { node(id: $id) { id } }", shop.w2, "Wallet"),
        ("query($id: ID!) { node(id: $id) { id } }", shop.c2, "Customer"),
        ("query($id: ID!) { node(id: $id) { id } }", shop.c2_only_tx, "Transaction"),
        ("query($id: ID!) { transaction(id: $id) { id } }", shop.c2_only_tx, "Transaction"),
        ("query($id: ID) { wallets(customerId: $id) { nodes { id } } }", shop.c2, "Customer"),
        ("query($id: ID) { transactions(walletId: $id) { nodes { id } } }", shop.w2, "Wallet"),
    ):
        body = await f.gql(document, {"id": object_id})
        if "node(" in document:
            assert body == {"data": {"node": None}}, (document, body)  # node(id:) answers null, no error
        else:
            assert error_codes(body) == ["NOT_FOUND"], (document, body)
        assert body == await f.gql(document, {"id": random_global_id(type_name)}), document
    # The partner itself still sees both customers.
    assert {shop.c1, shop.c2} <= _ids(await shop.partner.ok("{ customers(first: 100) { nodes { id } } }"))


NESTED = (
    "{ customers(first: 100) { nodes { id wallets(first: 100) { nodes { id customer { id }"
    " transactions(first: 100) { nodes { id fromWallet { id } toWallet { id } entries { wallet { id } } } } } } } } }"
)


async def test_the_frontend_can_transfer_to_another_customer_of_its_partner(shop):
    f = shop.frontend
    payload = await f.transfer(shop.w1, shop.w2, "10.00", memo="rent")
    assert payload["userErrors"] == [], payload
    txn = payload["transaction"]["id"]
    assert await shop.partner.balance(shop.w1) == "90.00"
    assert await shop.partner.balance(shop.w2) == "60.00"
    # It sees its own side of the transfer, never the other customer's wallet.
    seen = (await f.ok("query($id: ID!) { transaction(id: $id) { fromWallet { id } toWallet { id } } }", {"id": txn}))
    assert seen["transaction"] == {"fromWallet": {"id": shop.w1}, "toWallet": None}
    nested = await f.ok(NESTED)
    assert _ids(nested) <= {shop.c1, shop.w1, txn, *shop.c1_txs}, _ids(nested)
    assert txn in _ids(nested)
    # The customer's own withdrawal is allowed too.
    assert (await f.withdraw(shop.w1, "5.00"))["userErrors"] == []
    assert await shop.partner.balance(shop.w1) == "85.00"


async def test_the_frontend_cannot_move_another_customers_money(shop):
    f = shop.frontend
    before = await snapshot(shop.partner, [shop.w1, shop.w2])
    other_before = await snapshot(shop.other, [shop.other_wallet])
    attempts = [
        (await f.transfer(shop.w2, shop.w1, "1.00"), ["fromWalletId"]),
        (await f.withdraw(shop.w2, "1.00"), ["walletId"]),
        (await f.transfer(shop.w1, shop.other_wallet, "1.00"), ["toWalletId"]),
        (await f.transfer(shop.other_wallet, shop.w1, "1.00"), ["fromWalletId"]),
    ]
    for payload, field in attempts:
        assert payload["transaction"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("NOT_FOUND", field)], payload
    # The same answer as for a wallet that does not exist.
    missing = await f.transfer(random_global_id("Wallet"), shop.w1, "1.00")
    assert missing["userErrors"] == attempts[0][0]["userErrors"]
    assert await snapshot(shop.partner, [shop.w1, shop.w2]) == before
    assert await snapshot(shop.other, [shop.other_wallet]) == other_before


async def test_the_frontend_cannot_top_up_open_wallets_onboard_or_mint(shop):
    f = shop.frontend
    before = await snapshot(shop.partner, [shop.w1, shop.w2])
    refused = {
        "walletTopUp": ('mutation($w: ID!) { walletTopUp(input: {walletId: $w, amount: "1.00", idempotencyKey: "'
                        + next_id("cust-topup") + '"}) { transaction { id } } }', {"w": shop.w1}),
        "walletOpen": ('mutation($c: ID!) { walletOpen(input: {customerId: $c, currency: "CNY"}) { wallet { id } } }',
                       {"c": shop.c1}),
        "customerCreate": ('mutation { customerCreate(input: {externalRef: "' + next_id("cust-self")
                           + '", kind: INDIVIDUAL, displayName: "X", country: "CN"}) { customer { id } } }', {}),
        "customerTokenCreate": (MINT, {"input": {"customerId": shop.c1, "scopes": ["wallets:read"]}}),
    }
    for name, (document, variables) in refused.items():
        body = await f.gql(document, variables)
        assert error_codes(body) == ["FORBIDDEN"], (name, body)
        assert body["errors"][0]["path"] == [name]
        assert body["data"] is None
    assert await snapshot(shop.partner, [shop.w1, shop.w2]) == before


# --- revocation -----------------------------------------------------------------


async def test_a_partner_revokes_a_customer_token_and_it_is_refused_at_the_next_request(shop, http):
    assert await viewer_status(http, shop.frontend.token) == 200
    payload = (await shop.partner.ok(REVOKE, {"input": {"token": shop.frontend.token}}))["tokenRevoke"]
    assert payload["userErrors"] == [] and payload["jti"] == jwt.decode(
        shop.frontend.token, options={"verify_signature": False})["jti"]
    assert await viewer_status(http, shop.frontend.token) == 401
    response = await shop.frontend.raw("{ wallets { nodes { id } } }")
    assert response.status_code == 401
    # The partner's own token, and another token of the same customer, still work.
    assert await viewer_status(http, shop.partner.token) == 200
    sibling = await customer_session(shop.partner, shop.c1, ["wallets:read"])
    assert await viewer_status(http, sibling.token) == 200



async def test_revoking_the_partner_token_revokes_the_customer_tokens_it_minted(shop, http):
    """Issue 19: revoking the minting token left its customer tokens valid."""
    assert await viewer_status(http, shop.frontend.token) == 200
    payload = (await shop.partner.ok(REVOKE, {"input": {"token": shop.partner.token}}))["tokenRevoke"]
    assert payload["userErrors"] == []
    assert await viewer_status(http, shop.partner.token) == 401
    assert await viewer_status(http, shop.frontend.token) == 401
    assert (await shop.frontend.raw("{ wallets { nodes { id } } }")).status_code == 401


async def test_a_customer_token_revokes_itself_but_not_its_partners_or_another_customers(shop, http):
    c2_session = await customer_session(shop.partner, shop.c2, ["wallets:read"])
    f = shop.frontend
    for target in (shop.partner.token, c2_session.token, shop.other.token):
        payload = (await f.ok(REVOKE, {"input": {"token": target}}))["tokenRevoke"]
        assert payload["jti"] is None and _codes(payload) == ["NOT_FOUND"], payload
        assert await viewer_status(http, target) == 200
    # Staff-style revocation by jti is not for customer tokens either.
    by_jti = (await f.ok(REVOKE, {"input": {"jti": jwt.decode(shop.partner.token, options={"verify_signature": False})["jti"]}}))
    assert _codes(by_jti["tokenRevoke"]) == ["VALIDATION"]
    assert await viewer_status(http, shop.partner.token) == 200
    # Logging out: the token revokes itself.
    own = (await f.ok(REVOKE, {"input": {"token": f.token}}))["tokenRevoke"]
    assert own["userErrors"] == [] and own["jti"]
    assert await viewer_status(http, f.token) == 401


async def test_a_partner_cannot_revoke_another_partners_tokens(shop, http):
    before = await ledger_counts(shop.partner)
    for target in (shop.partner.token, shop.frontend.token):
        payload = (await shop.other.ok(REVOKE, {"input": {"token": target}}))["tokenRevoke"]
        assert _codes(payload) == ["NOT_FOUND"], payload
        assert await viewer_status(http, target) == 200
    assert await ledger_counts(shop.partner) == before


QUOTE = ("query($input: FeeQuoteInput!) { feeQuote(input: $input) { feeKind fee { amount currency } } }")


async def test_a_frontend_quotes_only_from_its_own_customers_wallet(shop):
    """Quoting from another customer's wallet would show that customer's fee and free-allowance use."""
    quote = {"kind": "TRANSFER", "amount": "1.00", "currency": "CNY"}
    own = await shop.frontend.gql(QUOTE, {"input": {**quote, "fromWalletId": shop.w1, "toWalletId": shop.w2}})
    assert not own.get("errors"), own  # paying another customer of the partner: fine
    for variables in ({"fromWalletId": shop.w2, "toWalletId": shop.w1}, {"fromWalletId": shop.w2}, {"toWalletId": shop.w2}):
        body = await shop.frontend.gql(QUOTE, {"input": {**quote, **variables}})
        assert error_codes(body) == ["NOT_FOUND"], (variables, body)
    # The partner itself quotes for any of its customers.
    assert not (await shop.partner.gql(QUOTE, {"input": {**quote, "fromWalletId": shop.w2}})).get("errors")


async def test_a_customer_tokens_idempotency_keys_are_its_own_as_the_readme_documents(shop):
    """Issue 19: the README states the narrower scope of a customer token's keys; this is that behaviour."""
    key = next_id("scope")
    by_frontend = await shop.frontend.transfer(shop.w1, shop.w2, "1.00", key=key)
    again = await shop.frontend.transfer(shop.w1, shop.w2, "1.00", key=key)
    by_partner = await shop.partner.transfer(shop.w1, shop.w2, "1.00", key=key)
    assert by_frontend["userErrors"] == again["userErrors"] == by_partner["userErrors"] == []
    assert again["transaction"]["id"] == by_frontend["transaction"]["id"]  # the frontend's retry replays
    assert by_partner["transaction"]["id"] != by_frontend["transaction"]["id"]  # another namespace: posted
