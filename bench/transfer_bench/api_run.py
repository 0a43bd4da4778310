"""The API run: keep-alive HTTP clients sending transferCreate to `qianbao serve`."""

from __future__ import annotations

import asyncio
import json
import random
import time

from .cpu import cpu_delta, cpu_snapshot
from .http_client import HttpConnection, HttpError
from .results import RunResult, Window
from .settings import TRANSFER_MUTATION


def classify(status: int, body: bytes, *, field: str = "transferCreate", result: str = "transaction") -> str | None:
    """None for a successful mutation (HTTP 200, no errors, empty userErrors, its result present), else a short
    error label; transferCreate's by default, any other money mutation's by its field and result names."""
    if status != 200:
        return f"HTTP {status}"
    try:
        data = json.loads(body)
    except ValueError:
        return "invalid JSON"
    if data.get("errors"):
        error = data["errors"][0]
        return "GraphQL " + str((error.get("extensions") or {}).get("code") or error.get("message", "?"))[:60]
    payload = (data.get("data") or {}).get(field) or {}
    if payload.get("userErrors"):
        return "userError " + str(payload["userErrors"][0].get("code"))
    if not payload.get(result):
        return f"no {result}"
    return None


async def api_run(port: int, token: str, wallets: list[str], clients: int, warmup_s: float, duration_s: float,
                  server_pid: int | None, run_tag: str, db_name: str) -> RunResult:
    result = RunResult("API (GraphQL)")
    window = Window(warmup_s, duration_s)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    query = json.dumps(TRANSFER_MUTATION)
    n = len(wallets)

    async def client(index: int) -> None:
        rnd = random.Random(f"{run_tag}-api-{index}")
        conn = HttpConnection("127.0.0.1", port)
        seq = 0
        try:
            while time.perf_counter() < window.end:
                a, b = rnd.sample(range(n), 2)
                seq += 1
                body = (
                    '{"query":%s,"variables":{"input":{"fromWalletId":"%s","toWalletId":"%s",'
                    '"amount":"0.%02d","idempotencyKey":"%s-a%d-%d"}}}'
                    % (query, wallets[a], wallets[b], rnd.randint(1, 99), run_tag, index, seq)
                ).encode()
                started = time.perf_counter()
                try:
                    status, payload = await conn.request("POST", "/graphql", body, headers)
                    error = classify(status, payload)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError) as exc:
                    error = f"transport {type(exc).__name__}"
                    conn.close()
                    await asyncio.sleep(0.05)
                result.record(started, time.perf_counter(), error, window)
        finally:
            result.reconnects += max(0, conn.connects - 1)
            conn.close()

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    cpu_before = cpu_snapshot(server_pid, db_name)
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    cpu_after = cpu_snapshot(server_pid, db_name)
    await asyncio.gather(*tasks)
    result.duration_s = duration_s
    result.cpu = cpu_delta(cpu_before, cpu_after)
    return result
