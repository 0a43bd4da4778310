"""A partner's whole first day over HTTP, through the ASGI app: credentials, token,
customers, wallets, money movements, reads, idempotent replays and currencies."""

from __future__ import annotations

import base64

import jwt
import pytest

from api.graphiql_example import EXAMPLE_QUERY
from auth.scopes import PARTNER_SCOPES
from services.partners.onboarding import create_partner
from tests.api.support import ledger_counts
from tests.factories import GraphQLClient, next_id

CUSTOMER_FIELDS = "id externalRef kind displayName email phone country kycStatus kycTier createdAt"
WALLET_FIELDS = (
    "id currency status balance { amount currency } availableBalance { amount currency } createdAt customer { id }"
)
TRANSACTION_FIELDS = (
    "id kind status amount { amount currency } fee { amount currency } memo idempotencyKey createdAt"
    " fromWallet { id } toWallet { id }"
    " entries { direction amount { amount currency } accountKind wallet { id } }"
)


async def _token_by_form(http, client_id: str, secret: str) -> dict:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


async def test_token_by_form_and_by_basic_auth_both_work(http, app):
    created = await create_partner(name=next_id("day-partner"))
    client_id, secret = created.client.client_id, created.client_secret

    by_form = await _token_by_form(http, client_id, secret)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.text
    by_basic = response.json()

    settings = app.state.qianbao.settings
    for body in (by_form, by_basic):
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == settings.partner_token_ttl_s
        assert body["scope"].split() == sorted(PARTNER_SCOPES)
        header = jwt.get_unverified_header(body["access_token"])
        assert header["alg"] == "EdDSA" and header["kid"]
        # Anyone can verify the token with the published key set.
        jwks = (await http.get("/.well-known/jwks.json")).json()
        jwk = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
        claims = jwt.decode(
            body["access_token"], jwt.PyJWK(jwk).key, algorithms=["EdDSA"],
            audience=settings.audience, issuer=settings.issuer,
        )
        assert claims["partner_id"] == str(created.partner.id)
        assert claims["exp"] - claims["iat"] == settings.partner_token_ttl_s <= 3600
        assert {"iss", "aud", "exp", "iat", "jti", "sub"} <= claims.keys()
    assert by_form["access_token"] != by_basic["access_token"]


async def test_jwks_publishes_only_public_keys(http):
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys, "the key set is empty"
    for key in keys:
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA" and key["use"] == "sig"
        assert key["kid"] and key["x"]
        assert "d" not in key, "the JWKS publishes a private key"


async def test_health_and_readiness(http):
    health = await http.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": "ok"}


async def test_graphiql_opens_on_the_example_query_without_a_token(http):
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    for line in ("query FirstLook {", "viewer { kind clientId scopes partner { name } }", "customers(first: 5) {"):
        assert line in response.text, f"GraphiQL does not open on the example query ({line!r} missing)"
    assert EXAMPLE_QUERY.splitlines()[0] in response.text


async def test_viewer_names_the_partner_and_its_scopes(clients):
    partner = await clients.partner()
    viewer = (await partner.ok("{ viewer { kind clientId scopes partner { id name status } } }"))["viewer"]
    assert viewer["kind"] == "partner"
    assert viewer["clientId"] == partner.client_id
    assert viewer["scopes"] == sorted(PARTNER_SCOPES)
    assert viewer["partner"]["name"].startswith("partner-")
    assert viewer["partner"]["status"] == "ACTIVE"


async def test_customer_create_and_read_back(clients):
    partner = await clients.partner()
    ref = next_id("alice")
    data = await partner.ok(
        f"mutation($input: CustomerCreateInput!) {{ customerCreate(input: $input) {{"
        f" customer {{ {CUSTOMER_FIELDS} }} userErrors {{ code message field }} }} }}",
        {"input": {"externalRef": ref, "kind": "INDIVIDUAL", "displayName": "  Alice Wang  ",
                   "email": "Alice@Example.COM", "phone": "+86 138-0013-8000", "country": "cn"}},
    )
    payload = data["customerCreate"]
    assert payload["userErrors"] == []
    created = payload["customer"]
    assert created["externalRef"] == ref
    assert created["displayName"] == "Alice Wang"
    assert created["email"] == "alice@example.com"
    assert created["phone"] == "+8613800138000"
    assert created["country"] == "CN"
    assert created["kycStatus"] == "NONE" and created["kycTier"] == 0
    assert not created["id"].isdigit()

    read = (await partner.ok(f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}", {"id": created["id"]}))
    assert read["customer"] == created


async def test_customers_are_paged_with_keyset_cursors(clients):
    partner = await clients.partner()
    made = [(await partner.create_customer())["id"] for _ in range(5)]
    query = (
        "query($first: Int, $after: String) { customers(first: $first, after: $after) {"
        " edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = (await partner.ok(query, {"first": 2, "after": after}))["customers"]
        pages.append(page)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [len(page["edges"]) for page in pages] == [2, 2, 1]
    assert seen == made, "pages must return every customer once, oldest first"


async def _open_two_funded_wallets(partner: GraphQLClient) -> tuple[dict, dict, dict]:
    customer = await partner.create_customer(displayName="Alice")
    alice = await partner.open_wallet("CNY", customer_id=customer["id"])
    bob = await partner.open_wallet("CNY")
    return customer, alice, bob


async def test_wallet_open_and_read_back(clients):
    partner = await clients.partner()
    customer = await partner.create_customer()
    other = await partner.create_customer()
    opened = await partner.open_wallet("cny", customer_id=customer["id"])
    usd = await partner.open_wallet("USD", customer_id=customer["id"])
    await partner.open_wallet("CNY", customer_id=other["id"])
    assert opened["currency"] == "CNY" and opened["status"] == "ACTIVE"
    assert opened["balance"] == {"amount": "0.00", "currency": "CNY"}

    read = await partner.ok(f"query($id: ID!) {{ wallet(id: $id) {{ {WALLET_FIELDS} }} }}", {"id": opened["id"]})
    wallet = read["wallet"]
    assert wallet["id"] == opened["id"]
    assert wallet["customer"]["id"] == customer["id"]
    assert wallet["availableBalance"] == {"amount": "0.00", "currency": "CNY"}

    listed = (await partner.ok(
        "query($c: ID) { wallets(customerId: $c, first: 10) { edges { node { id currency } } } }", {"c": customer["id"]}
    ))["wallets"]["edges"]
    assert [edge["node"] for edge in listed] == [
        {"id": opened["id"], "currency": "CNY"}, {"id": usd["id"], "currency": "USD"}
    ]

    nested = (await partner.ok(
        "query($id: ID!) { customer(id: $id) { wallets { nodes { id } } } }", {"id": customer["id"]}
    ))["customer"]["wallets"]["nodes"]
    assert [w["id"] for w in nested] == [opened["id"], usd["id"]]


async def test_money_moves_and_reads_back_balanced(clients):
    partner = await clients.partner()
    _, alice, bob = await _open_two_funded_wallets(partner)

    top_up = await partner.top_up(alice["id"], "100.00")
    assert top_up["userErrors"] == []
    transfer = await partner.transfer(alice["id"], bob["id"], "30.25", memo="dinner 🍜")
    assert transfer["userErrors"] == []
    assert transfer["transaction"]["memo"] == "dinner 🍜"
    withdrawal = await partner.withdraw(alice["id"], "10")
    assert withdrawal["userErrors"] == []

    assert await partner.balance(alice["id"]) == "59.75"
    assert await partner.balance(bob["id"]) == "30.25"

    read = (await partner.ok(
        f"query($id: ID!) {{ transaction(id: $id) {{ {TRANSACTION_FIELDS} }} }}", {"id": transfer["transaction"]["id"]}
    ))["transaction"]
    assert read["kind"] == "TRANSFER" and read["status"] == "POSTED"
    assert read["amount"] == {"amount": "30.25", "currency": "CNY"}
    assert read["fee"] == {"amount": "0.00", "currency": "CNY"}
    assert read["fromWallet"]["id"] == alice["id"] and read["toWallet"]["id"] == bob["id"]
    assert read["memo"] == "dinner 🍜"

    history = (await partner.ok(
        f"query($w: ID) {{ transactions(walletId: $w, first: 10) {{ nodes {{ {TRANSACTION_FIELDS} }}"
        f" pageInfo {{ hasNextPage }} }} }}",
        {"w": alice["id"]},
    ))["transactions"]
    nodes = history["nodes"]
    assert [t["id"] for t in nodes] == [
        withdrawal["transaction"]["id"], transfer["transaction"]["id"], top_up["transaction"]["id"]
    ], "a wallet's transactions come newest first"
    assert history["pageInfo"]["hasNextPage"] is False
    assert [t["kind"] for t in nodes] == ["WITHDRAWAL", "TRANSFER", "TOP_UP"]

    expected_legs = {
        # kind: (debited side, credited side) as wallet id or account kind
        "TOP_UP": ("SETTLEMENT", alice["id"]),
        "TRANSFER": (alice["id"], bob["id"]),
        "WITHDRAWAL": (alice["id"], "SETTLEMENT"),
    }
    for txn in nodes:
        entries = txn["entries"]
        assert sorted(e["direction"] for e in entries) == ["CREDIT", "DEBIT"], txn
        debit = next(e for e in entries if e["direction"] == "DEBIT")
        credit = next(e for e in entries if e["direction"] == "CREDIT")
        assert debit["amount"] == credit["amount"] == txn["amount"], "entries must balance"
        side = lambda e: e["wallet"]["id"] if e["accountKind"] == "WALLET" else e["accountKind"]  # noqa: E731
        assert (side(debit), side(credit)) == expected_legs[txn["kind"]], txn

    everything = (await partner.ok("{ transactions(first: 100) { nodes { id } } }"))["transactions"]["nodes"]
    assert len(everything) == 3


async def test_node_fetches_each_kind_of_object(clients):
    partner = await clients.partner()
    customer, alice, _ = await _open_two_funded_wallets(partner)
    txn = (await partner.top_up(alice["id"], "5.00"))["transaction"]
    query = (
        "query($id: ID!) { node(id: $id) { __typename id"
        " ... on Customer { externalRef } ... on Wallet { currency } ... on Transaction { kind } } }"
    )
    for object_id, typename, field, value in (
        (customer["id"], "Customer", "externalRef", customer["externalRef"]),
        (alice["id"], "Wallet", "currency", "CNY"),
        (txn["id"], "Transaction", "kind", "TOP_UP"),
    ):
        node = (await partner.ok(query, {"id": object_id}))["node"]
        assert node["__typename"] == typename
        assert node["id"] == object_id
        assert node[field] == value


# --- idempotency over the API ---------------------------------------------


async def test_replay_with_same_key_and_input_returns_the_original(clients):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    key = next_id("replay")
    first = await partner.top_up(wallet["id"], "12.50", key=key)
    counts = await ledger_counts(partner)
    again = await partner.top_up(wallet["id"], "12.50", key=key)
    # "12.5" is the same amount as "12.50": still the same request.
    same_amount = await partner.top_up(wallet["id"], "12.5", key=key)
    assert first["userErrors"] == again["userErrors"] == same_amount["userErrors"] == []
    assert first["transaction"]["id"] == again["transaction"]["id"] == same_amount["transaction"]["id"]
    assert await partner.balance(wallet["id"]) == "12.50", "a replay must not move money again"
    assert await ledger_counts(partner) == counts


async def test_replayed_transfer_and_withdrawal_move_money_once(clients):
    partner = await clients.partner()
    _, alice, bob = await _open_two_funded_wallets(partner)
    await partner.top_up(alice["id"], "50.00")
    key_t, key_w = next_id("xfer-replay"), next_id("wd-replay")
    transfers = [await partner.transfer(alice["id"], bob["id"], "20.00", key=key_t, memo="rent") for _ in range(3)]
    withdrawals = [await partner.withdraw(alice["id"], "5.00", key=key_w) for _ in range(3)]
    assert len({t["transaction"]["id"] for t in transfers}) == 1
    assert len({w["transaction"]["id"] for w in withdrawals}) == 1
    assert await partner.balance(alice["id"]) == "25.00"
    assert await partner.balance(bob["id"]) == "20.00"


@pytest.mark.parametrize("change", ["amount", "wallet", "operation"])
async def test_same_key_with_different_input_is_a_conflict(clients, change):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    other = await partner.open_wallet("CNY")
    key = next_id("conflict")
    original = await partner.top_up(wallet["id"], "10.00", key=key)
    assert original["userErrors"] == []
    counts = await ledger_counts(partner)

    if change == "amount":
        payload = await partner.top_up(wallet["id"], "10.01", key=key)
    elif change == "wallet":
        payload = await partner.top_up(other["id"], "10.00", key=key)
    else:
        payload = await partner.withdraw(wallet["id"], "10.00", key=key)
    assert payload["transaction"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    assert payload["userErrors"][0]["field"] == ["idempotencyKey"]
    assert await partner.balance(wallet["id"]) == "10.00"
    assert await partner.balance(other["id"]) == "0.00"
    assert await ledger_counts(partner) == counts


async def test_idempotency_keys_belong_to_one_partner(clients):
    partner_a = await clients.partner()
    partner_b = await clients.partner()
    wallet_a = await partner_a.open_wallet("CNY")
    wallet_b = await partner_b.open_wallet("CNY")
    key = next_id("shared-key")
    a = await partner_a.top_up(wallet_a["id"], "7.00", key=key)
    b = await partner_b.top_up(wallet_b["id"], "7.00", key=key)
    assert a["userErrors"] == b["userErrors"] == []
    assert a["transaction"]["id"] != b["transaction"]["id"]
    assert await partner_a.balance(wallet_a["id"]) == "7.00"
    assert await partner_b.balance(wallet_b["id"]) == "7.00"
    # Different input under the same key is fine for B: the key is B's own.
    b_other = await partner_b.top_up(wallet_b["id"], "1.00", key=next_id("other"))
    assert b_other["userErrors"] == []


async def test_a_refused_request_does_not_use_up_its_key(clients):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    key = next_id("refused")
    refused = await partner.withdraw(wallet["id"], "5.00", key=key)
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    await partner.top_up(wallet["id"], "8.00")
    accepted = await partner.withdraw(wallet["id"], "5.00", key=key)
    assert accepted["userErrors"] == [] and accepted["transaction"] is not None
    assert await partner.balance(wallet["id"]) == "3.00"


# --- currencies with other exponents ---------------------------------------


async def test_jpy_has_no_minor_unit(clients):
    partner = await clients.partner()
    wallet = await partner.open_wallet("JPY")
    assert wallet["balance"] == {"amount": "0", "currency": "JPY"}
    ok = await partner.top_up(wallet["id"], "100")
    assert ok["userErrors"] == []
    assert ok["transaction"]["amount"] == {"amount": "100", "currency": "JPY"}
    refused = await partner.top_up(wallet["id"], "1.5")
    assert refused["transaction"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_AMOUNT"]
    assert refused["userErrors"][0]["field"] == ["amount"]
    assert await partner.balance(wallet["id"]) == "100"


async def test_kwd_has_three_decimals(clients):
    partner = await clients.partner()
    a = await partner.open_wallet("KWD")
    b = await partner.open_wallet("KWD")
    assert (await partner.top_up(a["id"], "1.234"))["userErrors"] == []
    assert (await partner.transfer(a["id"], b["id"], "0.005"))["userErrors"] == []
    assert await partner.balance(a["id"]) == "1.229"
    assert await partner.balance(b["id"]) == "0.005"
    refused = await partner.top_up(a["id"], "1.2345")
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_AMOUNT"]
    assert await partner.balance(a["id"]) == "1.229"
