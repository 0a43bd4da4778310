"""Partner B tries every query and mutation on partner A's objects.

Each attempt must answer NOT_FOUND exactly as it does for an ID that names
nothing at all (same message, same shape), A's ledger must not move, and B's
lists must never show A's objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.support import error_codes, ledger_counts, random_global_id, snapshot
from tests.factories import GraphQLClient, next_id

QUERIES = {
    "customer": ("Customer", "query($id: ID!) { customer(id: $id) { id externalRef wallets { nodes { id } } } }"),
    "wallet": ("Wallet", "query($id: ID!) { wallet(id: $id) { id balance { amount } } }"),
    "transaction": (
        "Transaction", "query($id: ID!) { transaction(id: $id) { id amount { amount } entries { direction } } }"
    ),
    "node-customer": ("Customer", "query($id: ID!) { node(id: $id) { id ... on Customer { displayName } } }"),
    "node-wallet": ("Wallet", "query($id: ID!) { node(id: $id) { id ... on Wallet { currency } } }"),
    "node-transaction": ("Transaction", "query($id: ID!) { node(id: $id) { id ... on Transaction { kind } } }"),
    "wallets-of-customer": ("Customer", "query($id: ID) { wallets(customerId: $id) { nodes { id } } }"),
    "transactions-of-wallet": ("Wallet", "query($id: ID) { transactions(walletId: $id) { nodes { id } } }"),
}

PAYLOAD = "userErrors { code message field }"
MUTATIONS = {
    "walletOpen": (
        "Customer", "customer",
        f"mutation($id: ID!) {{ walletOpen(input: {{customerId: $id, currency: \"CNY\"}})"
        f" {{ wallet {{ id }} {PAYLOAD} }} }}",
    ),
    "walletTopUp": (
        "Wallet", "wallet",
        f"mutation($id: ID!, $key: String!) {{ walletTopUp(input: {{walletId: $id, amount: \"1.00\", idempotencyKey: $key}})"
        f" {{ transaction {{ id }} {PAYLOAD} }} }}",
    ),
    "withdrawalCreate": (
        "Wallet", "wallet",
        f"mutation($id: ID!, $key: String!) {{ withdrawalCreate(input: {{walletId: $id, amount: \"1.00\","
        f" idempotencyKey: $key}})"
        f" {{ transaction {{ id }} {PAYLOAD} }} }}",
    ),
    "transferCreate-into-A": (
        "Wallet", "wallet",
        f"mutation($id: ID!, $mine: ID!, $key: String!) {{ transferCreate(input: {{fromWalletId: $mine, toWalletId: $id,"
        f" amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}",
    ),
    "transferCreate-out-of-A": (
        "Wallet", "wallet",
        f"mutation($id: ID!, $mine: ID!, $key: String!) {{ transferCreate(input: {{fromWalletId: $id, toWalletId: $mine,"
        f" amount: \"1.00\", idempotencyKey: $key}}) {{ transaction {{ id }} {PAYLOAD} }} }}",
    ),
}


@dataclass
class Tenants:
    a: GraphQLClient
    b: GraphQLClient
    a_ids: dict[str, str]  # kind -> one of A's global IDs
    a_wallets: list[str]
    a_all_ids: set[str]
    b_wallet: str
    b_ids: set[str]
    a_top_up_key: str


@pytest.fixture
async def tenants(clients) -> Tenants:
    a = await clients.partner()
    b = await clients.partner()
    a_customer = await a.create_customer()
    a_wallet = await a.open_wallet("CNY", customer_id=a_customer["id"])
    a_other = await a.open_wallet("CNY")
    key = next_id("a-top-up")
    top_up = await a.top_up(a_wallet["id"], "100.00", key=key)
    transfer = await a.transfer(a_wallet["id"], a_other["id"], "25.00", memo="A's private memo")
    withdrawal = await a.withdraw(a_other["id"], "5.00")
    b_customer = await b.create_customer()
    b_wallet = await b.open_wallet("CNY", customer_id=b_customer["id"])
    b_txn = await b.top_up(b_wallet["id"], "50.00")
    a_txns = [p["transaction"]["id"] for p in (top_up, transfer, withdrawal)]
    return Tenants(
        a=a, b=b,
        a_ids={"Customer": a_customer["id"], "Wallet": a_wallet["id"], "Transaction": a_txns[1]},
        a_wallets=[a_wallet["id"], a_other["id"]],
        a_all_ids={a_customer["id"], a_wallet["id"], a_other["id"], *a_txns},
        b_wallet=b_wallet["id"],
        b_ids={b_customer["id"], b_wallet["id"], b_txn["transaction"]["id"]},
        a_top_up_key=key,
    )


@pytest.mark.parametrize("name", list(QUERIES))
async def test_queries_on_another_partners_ids_answer_like_missing_ones(tenants, name):
    type_name, document = QUERIES[name]
    t = tenants
    before = await snapshot(t.a, t.a_wallets)
    on_a = await t.b.gql(document, {"id": t.a_ids[type_name]})
    on_nothing = await t.b.gql(document, {"id": random_global_id(type_name)})
    if name.startswith("node"):
        assert on_a == {"data": {"node": None}}, on_a  # node(id:) answers null for what the caller may not see
    else:
        assert error_codes(on_a) == ["NOT_FOUND"], on_a
    assert on_a == on_nothing, "another partner's object must be indistinguishable from a missing one"
    assert await snapshot(t.a, t.a_wallets) == before
    # A itself reads the same object without error (the ID is real).
    assert not (await t.a.gql(document, {"id": t.a_ids[type_name]})).get("errors")


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_mutations_on_another_partners_ids_answer_like_missing_ones(tenants, name):
    type_name, _, document = MUTATIONS[name]
    t = tenants
    a_before = await snapshot(t.a, t.a_wallets)
    b_before = await snapshot(t.b, [t.b_wallet])
    on_a = await t.b.ok(document, {"id": t.a_ids[type_name], "mine": t.b_wallet, "key": next_id("b-key")})
    on_nothing = await t.b.ok(document, {"id": random_global_id(type_name), "mine": t.b_wallet, "key": next_id("b-key")})
    payload = next(iter(on_a.values()))
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"], payload
    assert on_a == on_nothing, "another partner's object must be indistinguishable from a missing one"
    assert await snapshot(t.a, t.a_wallets) == a_before
    assert await snapshot(t.b, [t.b_wallet]) == b_before


async def test_replaying_another_partners_request_and_key_does_not_return_its_transaction(tenants):
    t = tenants
    a_before = await snapshot(t.a, t.a_wallets)
    # B sends A's exact top-up: A's wallet, amount and idempotency key.
    replay = await t.b.top_up(t.a_ids["Wallet"], "100.00", key=t.a_top_up_key)
    assert replay["transaction"] is None
    assert [e["code"] for e in replay["userErrors"]] == ["NOT_FOUND"], replay
    # With B's own wallet the key is simply new for B: a fresh transaction, not A's.
    own = await t.b.top_up(t.b_wallet, "100.00", key=t.a_top_up_key)
    assert own["userErrors"] == []
    assert own["transaction"]["id"] not in t.a_all_ids
    assert await snapshot(t.a, t.a_wallets) == a_before


async def test_another_partners_external_ref_is_free_to_use(tenants):
    # Refusing it as ALREADY_EXISTS would tell B that A has such a customer.
    t = tenants
    a_ref = (await t.a.ok("query($id: ID!) { customer(id: $id) { externalRef } }", {"id": t.a_ids["Customer"]}))
    created = await t.b.create_customer(externalRef=a_ref["customer"]["externalRef"])
    assert created["id"] != t.a_ids["Customer"]


LISTS = [
    "{ customers(first: 100) { nodes { id wallets(first: 100) { nodes { id"
    " transactions(first: 100) { nodes { id fromWallet { id } toWallet { id } entries { wallet { id } } } } } } } } }",
    "{ wallets(first: 100) { nodes { id customer { id } transactions(first: 100) { nodes { id } } } } }",
    "{ transactions(first: 100) { nodes { id fromWallet { id } toWallet { id } entries { wallet { id } } } } }",
]


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


@pytest.mark.parametrize("document", LISTS, ids=["customers", "wallets", "transactions"])
async def test_lists_never_show_another_partners_objects(tenants, document):
    t = tenants
    seen_by_b = _ids(await t.b.ok(document))
    seen_by_a = _ids(await t.a.ok(document))
    assert seen_by_b, "B's own objects must be listed (else this test proves nothing)"
    assert not seen_by_b & t.a_all_ids, "B sees A's objects"
    assert not seen_by_a & t.b_ids, "A sees B's objects"
    assert seen_by_b <= t.b_ids
    assert seen_by_a & t.a_all_ids


async def test_counts_confirm_nothing_was_written_for_b_on_as_objects(tenants):
    t = tenants
    a_counts = await ledger_counts(t.a)
    for name, (type_name, _, document) in MUTATIONS.items():
        await t.b.ok(document, {"id": t.a_ids[type_name], "mine": t.b_wallet, "key": next_id("b-probe")})
    assert await ledger_counts(t.a) == a_counts
    assert await t.a.balance(t.a_wallets[0]) == "75.00"
    assert await t.a.balance(t.a_wallets[1]) == "20.00"
