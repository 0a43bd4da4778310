"""events(after, first, types) over HTTP: typed data with global IDs, cursors, partner isolation, staff reach."""

from __future__ import annotations

from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.support import error_codes
from services.event_catalogue import BROADCAST_EVENT_TYPES

EVENTS = """query($after: String, $first: Int, $types: [String!]) {
  events(after: $after, first: $first, types: $types) {
    pageInfo { hasNextPage endCursor }
    nodes { id type version occurredAt data { walletId customerId transactionId fromWalletId toWalletId kind
      amount { amount currency } fee { amount currency } }
      object { __typename id } }
  }
}"""


async def test_a_partner_replays_its_events_with_global_ids_and_money(clients, staff):  # noqa: F811
    a, b = await clients.partner(), await clients.partner()
    customer = await a.create_customer()
    payer = await a.open_wallet("CNY", customer["id"])
    payee = await a.open_wallet("CNY", customer["id"])
    await a.top_up(payer["id"], "10.00")
    moved = await a.transfer(payer["id"], payee["id"], "2.50")
    seen, after = [], None
    while True:
        page = (await a.ok(EVENTS, {"after": after, "first": 2}))["events"]
        seen += page["nodes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    seen = [e for e in seen if e["type"] not in BROADCAST_EVENT_TYPES]  # bank-wide changes other tests made
    types = [e["type"] for e in seen]
    assert types[:3] == ["customer.created", "wallet.opened", "wallet.opened"]
    assert types.count("transaction.posted") == 2
    transfer = [e for e in seen if e["type"] == "transaction.posted"][-1]
    assert transfer["version"] == 1
    assert transfer["data"]["transactionId"] == moved["transaction"]["id"]
    assert transfer["data"]["fromWalletId"] == payer["id"] and transfer["data"]["toWalletId"] == payee["id"]
    assert transfer["data"]["amount"] == {"amount": "2.50", "currency": "CNY"}
    assert transfer["object"] == {"__typename": "Transaction", "id": moved["transaction"]["id"]}
    # A type filter, and the catch-up from the last cursor sees nothing new.
    only = (await a.ok(EVENTS, {"types": ["wallet.opened"], "first": 10}))["events"]["nodes"]
    assert [e["data"]["walletId"] for e in only] == [payer["id"], payee["id"]]
    last = (await a.ok(EVENTS, {"after": after, "first": 100}))["events"]
    assert last["nodes"] == []
    # Another partner sees none of A's events; bank staff with audit:read see them.
    b_ids = {e["id"] for e in (await b.ok(EVENTS, {"first": 100}))["events"]["nodes"]}
    assert not b_ids & {e["id"] for e in seen}
    admin = await staff("admin")
    assert (await admin.ok("query($id: ID!) { node(id: $id) { id } }", {"id": transfer["id"]}))["node"] == {"id": transfer["id"]}


async def test_an_unknown_type_is_a_validation_error(clients):
    a = await clients.partner()
    body = await a.gql(EVENTS, {"types": ["wallet.teleported"]})
    assert error_codes(body) == ["VALIDATION"], body
