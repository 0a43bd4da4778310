"""A graphql-transport-ws client for the subscription tests (httpx-ws, in process or over a real socket)."""

from __future__ import annotations

import itertools
from typing import Any

from httpx_ws import AsyncWebSocketSession

PROTOCOL = "graphql-transport-ws"
_ids = itertools.count(1)


async def init(ws: AsyncWebSocketSession, token: str | None, *, key: str = "Authorization") -> dict[str, Any]:
    """Send connection_init with the token; return the server's first answer (connection_ack, if all is well)."""
    payload: dict[str, Any] = {}
    if token is not None:
        payload = {key: f"Bearer {token}"} if key == "Authorization" else {key: token}
    await ws.send_json({"type": "connection_init", "payload": payload})
    return await ws.receive_json(timeout=5)


async def subscribe(ws: AsyncWebSocketSession, query: str, variables: dict[str, Any] | None = None) -> str:
    """Start one subscription; return its operation id."""
    op_id = str(next(_ids))
    await ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    return op_id


async def next_message(ws: AsyncWebSocketSession, timeout: float = 5) -> dict[str, Any]:
    """The next message that is not a heartbeat (answering the server's pings as a client must)."""
    while True:
        message = await ws.receive_json(timeout=timeout)
        if message.get("type") == "ping":
            await ws.send_json({"type": "pong"})
            continue
        return message


WALLET_UPDATED = "subscription($w: ID!) { walletUpdated(walletId: $w) { id balance { amount currency } } }"
TRANSACTION_UPDATED = "subscription($w: ID!) { transactionUpdated(walletId: $w) { id kind status amount { amount } } }"
EVENTS = "subscription($t: [String!]) { events(types: $t) { type transactionId walletIds kind status occurredAt } }"
