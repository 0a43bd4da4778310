"""GraphQL subscriptions over a real websocket protocol (graphql-transport-ws through httpx-ws, in process).

The two-worker, Redis-backed version of the balance test is tests/integration/test_live_workers.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from services import live
from services.live.bus import local_bus
from tests.api.live_support import EVENTS, PROTOCOL, TRANSACTION_UPDATED, WALLET_UPDATED, init, next_message, subscribe


@asynccontextmanager
async def _socket(app) -> AsyncIterator[AsyncWebSocketSession]:
    """A graphql-transport-ws connection to the app, opened and closed in the calling task (anyio scopes)."""
    async with ASGIWebSocketTransport(app=app) as transport:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            async with aconnect_ws("/graphql", client, subprotocols=[PROTOCOL]) as ws:
                yield ws


async def _funded_pair(partner):
    a = await partner.open_wallet("CNY")
    b = await partner.open_wallet("CNY")
    assert (await partner.top_up(a["id"], "100.00"))["userErrors"] == []
    return a, b


async def _wait_for_subscribers(topic: str, count: int = 1) -> None:
    for _ in range(200):
        if local_bus.count(topic) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no subscriber on {topic}")


async def test_wallet_updated_sends_the_wallet_then_each_change(app, clients):
    partner = await clients.partner()
    a, b = await _funded_pair(partner)
    async with _socket(app) as ws:
        assert (await init(ws, partner.token))["type"] == "connection_ack"
        op = await subscribe(ws, WALLET_UPDATED, {"w": b["id"]})
        first = await next_message(ws)
        assert first["id"] == op and first["payload"]["data"]["walletUpdated"]["balance"]["amount"] == "0.00"
        started = time.monotonic()
        assert (await partner.transfer(a["id"], b["id"], "12.50"))["userErrors"] == []
        update = await next_message(ws, timeout=1)
        assert time.monotonic() - started < 1.0
        assert update["type"] == "next" and update["payload"]["data"]["walletUpdated"] == {
            "id": b["id"], "balance": {"amount": "12.50", "currency": "CNY"}}


async def test_transaction_updated_and_events_stream_the_posting(app, clients):
    partner = await clients.partner()
    a, b = await _funded_pair(partner)
    async with _socket(app) as ws:
        assert (await init(ws, partner.token, key="token"))["type"] == "connection_ack"
        txn_op = await subscribe(ws, TRANSACTION_UPDATED, {"w": a["id"]})
        await _wait_for_subscribers(live.wallet_topic(_uuid(a["id"])))
        ev_op = await subscribe(ws, EVENTS, {"t": ["transaction.posted"]})
        await _wait_for_subscribers(live.event_topic(partner.partner_id))
        sent = (await partner.transfer(a["id"], b["id"], "1.00"))["transaction"]
        got = {}
        for _ in range(2):
            message = await next_message(ws, timeout=2)
            got[message["id"]] = message["payload"]["data"]
        assert got[txn_op]["transactionUpdated"]["id"] == sent["id"]
        assert got[txn_op]["transactionUpdated"]["status"] == "POSTED"
        event = got[ev_op]["events"]
        assert event["type"] == "transaction.posted" and event["transactionId"] == sent["id"]
        assert set(event["walletIds"]) == {a["id"], b["id"]} and event["kind"] == sent["kind"]


async def test_events_refuse_unknown_types_and_customer_tokens(app, clients):
    partner = await clients.partner()
    customer_token = await _customer_token(partner, (await partner.create_customer())["id"])
    async with _socket(app) as ws:
        await init(ws, partner.token)
        await subscribe(ws, EVENTS, {"t": ["wallet.exploded"]})
        assert await _refused(ws) == ["VALIDATION"]
    async with _socket(app) as ws:
        await init(ws, customer_token)
        await subscribe(ws, EVENTS)
        assert await _refused(ws) == ["FORBIDDEN"]


async def test_a_customer_token_sees_only_its_own_wallets(app, clients):
    partner = await clients.partner()
    mine = await partner.open_wallet("CNY")
    theirs = await partner.open_wallet("CNY")
    token = await _customer_token(partner, await _owner_of(partner, mine["id"]))
    other_partner = await clients.partner()
    foreign = await other_partner.open_wallet("CNY")
    async with _socket(app) as ws:
        assert (await init(ws, token))["type"] == "connection_ack"
        for wallet in (theirs, foreign):
            for query in (WALLET_UPDATED, TRANSACTION_UPDATED):
                await subscribe(ws, query, {"w": wallet["id"]})
                assert await _refused(ws) == ["NOT_FOUND"]
        await subscribe(ws, WALLET_UPDATED, {"w": mine["id"]})
        assert (await next_message(ws))["payload"]["data"]["walletUpdated"]["id"] == mine["id"]
    # The same refusal for another partner's token on this partner's wallet.
    async with _socket(app) as ws:
        await init(ws, other_partner.token)
        await subscribe(ws, WALLET_UPDATED, {"w": mine["id"]})
        assert await _refused(ws) == ["NOT_FOUND"]


async def test_a_missing_scope_is_forbidden(app, clients):
    partner = await clients.partner(token_scopes=["customers:read"])
    async with _socket(app) as ws:
        await init(ws, partner.token)
        await subscribe(ws, WALLET_UPDATED, {"w": "V2FsbGV0OjA="})
        assert await _refused(ws) == ["FORBIDDEN"]


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_a_bad_or_missing_token_closes_with_4401(app, token):
    async with _socket(app) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            await init(ws, token)
        assert closed.value.code == 4401


async def test_subscribing_before_connection_init_closes_with_4401(app):
    async with _socket(app) as ws:
        await subscribe(ws, WALLET_UPDATED, {"w": "x"})
        with pytest.raises(WebSocketDisconnect) as closed:
            await ws.receive_json(timeout=5)
        assert closed.value.code == 4401


async def test_the_connection_closes_when_the_token_expires(app, clients):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    state = app.state.qianbao
    token, _ = state.tokens.issue_partner_token(**_same_partner(state, partner, ttl_s=2))
    async with _socket(app) as ws:
        assert (await init(ws, token))["type"] == "connection_ack"
        await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
        assert (await next_message(ws))["type"] == "next"
        with pytest.raises(WebSocketDisconnect) as closed:
            await next_message(ws, timeout=5)
        assert closed.value.code == 4401 and "expired" in closed.value.reason


async def test_caps_per_connection_and_per_partner(app, clients, monkeypatch):
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    async with _socket(app) as ws:
        await init(ws, partner.token)
        for _ in range(10):
            await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
            assert (await next_message(ws))["type"] == "next"
        await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
        refused = await next_message(ws)
        assert refused["type"] == "error" and "limit" in refused["payload"][0]["message"].lower()
    monkeypatch.setattr("services.live.slots.MAX_SUBSCRIPTIONS_PER_OWNER", 2)
    async with _socket(app) as ws:
        await init(ws, partner.token)
        for _ in range(2):
            await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
            assert (await next_message(ws))["type"] == "next"
        await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
        assert await _refused(ws) == ["LIMIT_EXCEEDED"]


async def test_the_server_sends_heartbeat_pings(app, clients, monkeypatch):
    monkeypatch.setattr("api.live_socket.LiveSocketHandler.heartbeat_s", 0.2)
    partner = await clients.partner()
    async with _socket(app) as ws:
        await init(ws, partner.token)
        assert (await ws.receive_json(timeout=2)) == {"type": "ping"}
        await ws.send_json({"type": "pong"})
        await ws.send_json({"type": "ping"})
        assert (await ws.receive_json(timeout=2))["type"] in ("pong", "ping")


# --- helpers -------------------------------------------------------------------


def _uuid(global_id: str):
    from tests.api.support import object_uuid

    return object_uuid(global_id)


async def _refused(ws) -> list:
    """The error codes of a refused subscription (a `next` with errors, then `complete`, or an `error`)."""
    message = await next_message(ws)
    codes = _codes(message)
    if message["type"] == "next":
        assert (await next_message(ws))["type"] == "complete"
    return codes


def _codes(message: dict) -> list:
    if message["type"] == "error":
        return [e.get("extensions", {}).get("code") for e in message["payload"]]
    return [e.get("extensions", {}).get("code") for e in message["payload"].get("errors") or []]


async def _owner_of(partner, wallet_id: str) -> str:
    data = await partner.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet_id})
    return data["wallet"]["customer"]["id"]


async def _customer_token(partner, customer_id: str) -> str:
    data = await partner.ok(
        "mutation($c: ID!) { customerTokenCreate(input: {customerId: $c,"
        " scopes: [\"wallets:read\", \"transactions:read\"]}) { token userErrors { code message } } }",
        {"c": customer_id},
    )
    assert data["customerTokenCreate"]["token"], data
    return data["customerTokenCreate"]["token"]


def _same_partner(state, partner, *, ttl_s: int) -> dict:
    import inspect
    import uuid

    params = inspect.signature(state.tokens.issue_partner_token).parameters
    values = {"client_id": partner.client_id, "partner_id": uuid.UUID(partner.partner_id),
              "scopes": partner.scopes, "ttl_s": ttl_s}
    return {k: v for k, v in values.items() if k in params}


async def test_queries_and_mutations_are_refused_over_the_websocket(app, clients):
    partner = await clients.partner()
    async with _socket(app) as ws:
        await init(ws, partner.token)
        for query in ("{ viewer { __typename } }", "mutation { __typename }"):
            await subscribe(ws, query)
            refused = await next_message(ws)
            assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        # A syntax error is an error message too; the connection stays usable.
        await subscribe(ws, "subscription {")
        refused = await next_message(ws)
        assert refused["type"] == "error" and "Syntax Error" in refused["payload"][0]["message"]
        await subscribe(ws, "subscription { events { type } }")
        await ws.send_json({"type": "ping"})
        assert (await next_message(ws)) == {"type": "pong"}


async def test_a_revoked_customer_token_is_closed_with_4403_at_the_next_heartbeat(app, clients, monkeypatch):
    monkeypatch.setattr("api.live_socket.LiveSocketHandler.heartbeat_s", 0.2)
    partner = await clients.partner()
    wallet = await partner.open_wallet("CNY")
    token = await _customer_token(partner, await _owner_of(partner, wallet["id"]))
    async with _socket(app) as ws:
        assert (await init(ws, token))["type"] == "connection_ack"
        await subscribe(ws, WALLET_UPDATED, {"w": wallet["id"]})
        assert (await next_message(ws))["type"] == "next"
        data = await partner.ok(
            "mutation($t: String!) { tokenRevoke(input: {token: $t}) { userErrors { code } } }", {"t": token})
        assert data["tokenRevoke"]["userErrors"] == []
        with pytest.raises(WebSocketDisconnect) as closed:
            await next_message(ws, timeout=5)
        assert closed.value.code == 4403
