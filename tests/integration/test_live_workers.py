"""Subscriptions across processes: `qianbao serve --workers 2` with QIANBAO_REDIS_URL, on PostgreSQL.

Several websocket connections subscribe to one wallet (the kernel spreads them
over both workers), transfers are posted on fresh connections (either worker),
and every subscriber must see the new balance within one second of the
transfer's response. A direct pattern subscription on Redis shows the updates
really travelled through Redis pub/sub (services.live.redis_relay).

The server runs on a separate, fresh database (created and dropped here), so
the session database's backlog (unchained audit rows, undelivered events from
the rest of the suite) cannot slow its workers down.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
from httpx_ws import aconnect_ws

from services.caches import STANDING_CHANNEL
from services.live.redis_relay import channel_prefix
from tests.api.live_support import PROTOCOL, WALLET_UPDATED, init, next_message, subscribe
from tests.api.support import object_uuid
from tests.conftest import requires_postgres
from tests.factories import DEFAULT_TEST_TIER, GraphQLClient
from tests.integration.separate_database import migrated_database, query

pytestmark = requires_postgres

QIANBAO = Path(sys.executable).parent / "qianbao"
REDIS_URL = os.environ.get("QIANBAO_TEST_LIVE_REDIS_URL", "redis://127.0.0.1:6379/14")
SUBSCRIBERS = 4
TRANSFERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_until_up(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()[0]
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("qianbao serve did not come up in 60 s")


async def _redis_observer(prefix: str):
    client = redis.from_url(REDIS_URL, socket_connect_timeout=2.0)
    try:
        await client.ping()
    except redis.ConnectionError as exc:
        await client.aclose()
        pytest.fail(f"Redis must answer at {REDIS_URL} (set QIANBAO_TEST_LIVE_REDIS_URL): {exc}")
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.psubscribe(prefix + "*")
    return client, pubsub


async def test_two_workers_with_redis_deliver_a_balance_update_within_a_second(tmp_path):
    async with migrated_database(tmp_path) as url:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "QIANBAO_DATABASE_URL": url, "QIANBAO_REDIS_URL": REDIS_URL, "QIANBAO_ENV": "test"}
        server = subprocess.Popen(
            [str(QIANBAO), "serve", "--workers", "2", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        store, observer = await _redis_observer(channel_prefix(REDIS_URL))
        try:
            await _wait_until_up(base_url, server)
            latencies = await _measure(base_url, url, env, observer)
            print(f"\nlive update latency over 2 workers + Redis (s): max {max(latencies):.3f}, "
                  f"mean {sum(latencies) / len(latencies):.3f}, n={len(latencies)}")
            assert max(latencies) < 1.0, latencies
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            await observer.aclose()
            await store.aclose()


def _new_partner(url: str, env: dict[str, str]) -> dict:
    created = subprocess.run([str(QIANBAO), "partner", "create", "--name", "Live", "--json", "--database-url", url],
                             env=env, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    return json.loads(created.stdout.strip().splitlines()[-1])


async def _approved_wallet(partner: GraphQLClient, url: str) -> dict:
    """A wallet of a new customer approved at the test tier (written straight to the server's database)."""
    customer = await partner.create_customer(kyc_tier=None)
    await query(url, "UPDATE customer SET kyc_status = 'APPROVED', kyc_tier = $1 WHERE id = $2",
                DEFAULT_TEST_TIER, object_uuid(customer["id"]))
    await query(url, "SELECT pg_notify($1, '')", STANDING_CHANNEL)  # the workers forget cached standings
    return await partner.open_wallet("CNY", customer_id=customer["id"])


async def _measure(base_url: str, url: str, env: dict[str, str], observer) -> list[float]:
    created = _new_partner(url, env)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        form = {"grant_type": "client_credentials", "client_id": created["client_id"],
                "client_secret": created["client_secret"]}
        token = (await http.post("/oauth/token", data=form)).json()["access_token"]
        partner = GraphQLClient(http=http, token=token)
        a = await _approved_wallet(partner, url)
        b = await _approved_wallet(partner, url)
        assert (await partner.top_up(a["id"], "100.00"))["userErrors"] == []
    latencies: list[float] = []
    async with _Sockets(base_url, SUBSCRIBERS) as sockets:
        for ws in sockets:
            assert (await init(ws, token))["type"] == "connection_ack"
            await subscribe(ws, WALLET_UPDATED, {"w": b["id"]})
            assert (await next_message(ws))["payload"]["data"]["walletUpdated"]["balance"]["amount"] == "0.00"
        for n in range(1, TRANSFERS + 1):
            # A fresh connection per transfer: uvicorn's workers share the socket, so either may post it.
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                result = await GraphQLClient(http=http, token=token).transfer(a["id"], b["id"], "1.00")
            answered = time.monotonic()
            assert result["userErrors"] == [], result
            for ws in sockets:
                message = await next_message(ws, timeout=2)
                latencies.append(time.monotonic() - answered)
                assert message["payload"]["data"]["walletUpdated"]["balance"]["amount"] == f"{n}.00"
    heard = await _drain(observer)
    # One PUBLISH per posting: a batch of [topic, message] pairs (services.live.redis_relay.BATCH).
    batches = [json.loads(m["data"]) for m in heard]
    assert any(isinstance(b, list) and any(pair[1].get("walletId") for pair in b) for b in batches), \
        "no update went through Redis"
    return latencies


async def _drain(observer) -> list[dict]:
    messages = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        message = await observer.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if message is not None:
            messages.append(message)
    return messages


class _Sockets:
    """N graphql-transport-ws connections to the server, each on its own TCP connection."""

    def __init__(self, base_url: str, count: int) -> None:
        self.base_url, self.count = base_url, count
        self._stack = None

    async def __aenter__(self):
        from contextlib import AsyncExitStack

        self._stack = AsyncExitStack()
        sockets = []
        for _ in range(self.count):
            client = await self._stack.enter_async_context(httpx.AsyncClient(base_url=self.base_url, timeout=10))
            sockets.append(await self._stack.enter_async_context(
                aconnect_ws(self.base_url.replace("http", "ws", 1) + "/graphql", client, subprotocols=[PROTOCOL])))
        return sockets

    async def __aexit__(self, *exc):
        await self._stack.aclose()
