"""The API run: keep-alive HTTP clients sending transferCreate to `qianbao serve`."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable

from .cpu import cpu_delta, cpu_snapshot
from .http_client import HttpConnection, HttpError
from .pg_stats import Window as PgWindow
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


# (connection, random generator, client index, sequence number) -> (units posted, error or None)
Operation = Callable[[HttpConnection, random.Random, int, int], Awaitable[tuple[int, str | None]]]


def transfer_op(token: str, wallets: list[str], run_tag: str) -> Operation:
    """transferCreate of 0.01-0.99 between two random distinct wallets, a fresh idempotency key each."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    query = json.dumps(TRANSFER_MUTATION)
    n = len(wallets)

    async def op(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        a, b = rnd.sample(range(n), 2)
        body = (
            '{"query":%s,"variables":{"input":{"fromWalletId":"%s","toWalletId":"%s",'
            '"amount":"0.%02d","idempotencyKey":"%s-a%d-%d"}}}'
            % (query, wallets[a], wallets[b], rnd.randint(1, 99), run_tag, index, seq)
        ).encode()
        status, payload = await conn.request("POST", "/graphql", body, headers)
        error = classify(status, payload)
        return (0, error) if error else (1, None)

    return op


async def run_ops(name: str, port: int, op: Operation, clients: int, warmup_s: float, duration_s: float,
                  server_pid: int | None, run_tag: str, db_name: str, *, stop_on: str | None = None,
                  dsn: str | None = None) -> RunResult:
    """`clients` keep-alive connections repeating `op`: the window, the CPU of each party inside it, the results
    (a RunResult whose `units` are what was posted inside the window). A client stops at the error `stop_on`.
    Given the database's `dsn`, also what PostgreSQL did inside the window (pg_stats)."""
    result = RunResult(name)
    window = Window(warmup_s, duration_s)

    async def client(index: int) -> None:
        rnd = random.Random(f"{run_tag}-{name}-{index}")
        conn = HttpConnection("127.0.0.1", port)
        seq = 0
        try:
            while time.perf_counter() < window.end:
                seq += 1
                started = time.perf_counter()
                try:
                    units, error = await op(conn, rnd, index, seq)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError) as exc:
                    units, error = 0, f"transport {type(exc).__name__}"
                    conn.close()
                    await asyncio.sleep(0.05)
                result.record_units(started, time.perf_counter(), units, error, window)
                if stop_on is not None and error == stop_on:
                    return
        finally:
            result.reconnects += max(0, conn.connects - 1)
            conn.close()

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    cpu_before = cpu_snapshot(server_pid, db_name)
    probe = PgWindow(dsn) if dsn is not None else None
    if probe is not None:
        await probe.start()
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    cpu_after = cpu_snapshot(server_pid, db_name)
    if probe is not None:
        result.pg = await probe.stop()
    await asyncio.gather(*tasks)
    result.duration_s = duration_s
    result.cpu = cpu_delta(cpu_before, cpu_after)
    return result


async def api_run(port: int, token: str, wallets: list[str], clients: int, warmup_s: float, duration_s: float,
                  server_pid: int | None, run_tag: str, db_name: str, dsn: str | None = None) -> RunResult:
    """The transfer API run: transferCreate from `clients` connections."""
    return await run_ops("API (GraphQL)", port, transfer_op(token, wallets, run_tag), clients, warmup_s, duration_s,
                         server_pid, run_tag, db_name, dsn=dsn)
