"""The GraphQL layer alone (--all-paths): the same work through /graphql and through plain JSON routes.

Each round starts `qianbao serve --app bench.transfer_bench.plain_asgi:app` (the API plus the plain routes) afresh
for each of four runs, with the clients of api_run.run_ops:

  transferCreate     /graphql          api_run.transfer_op: the API run's own transfers
  plain transfer     /plain/transfer   the same input as JSON, the same service call
  read (GraphQL)     /graphql          settings.READ_QUERY: wallets(first: 100) and 10 transactions each
  read (plain)       /plain/wallets    the same document from the same two service calls

Before the first run the two read answers are compared: the plain route must give exactly the GraphQL document.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from . import database, server
from .api_run import Operation, run_ops, transfer_op
from .http_client import HttpConnection
from .results import RunResult
from .settings import READ_QUERY

PLAIN_APP = "bench.transfer_bench.plain_asgi:app"
GRAPHQL_TRANSFER, PLAIN_TRANSFER = "transferCreate (/graphql)", "transfer (/plain/transfer)"
GRAPHQL_READ, PLAIN_READ = "wallets read (/graphql)", "wallets read (/plain/wallets)"
PAIRS = ((GRAPHQL_TRANSFER, PLAIN_TRANSFER), (GRAPHQL_READ, PLAIN_READ))


def _headers(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _transfer_input(wallets: list[str], rnd: random.Random, key: str) -> dict[str, str]:
    a, b = rnd.sample(range(len(wallets)), 2)
    return {"fromWalletId": wallets[a], "toWalletId": wallets[b], "amount": f"0.{rnd.randint(1, 99):02d}",
            "idempotencyKey": key}


def operations(token: str, wallets: list[str], tag: str) -> dict[str, Operation]:
    """The four runs' operations, by row name."""
    headers = _headers(token)

    async def plain_transfer(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        body = _transfer_input(wallets, rnd, f"{tag}-pl{index}-{seq}")
        status, answer = await conn.request("POST", "/plain/transfer", json.dumps(body).encode(), headers)
        if status != 200:
            return 0, f"HTTP {status} {answer[:80]!r}"
        return (1, None) if json.loads(answer).get("transaction") else (0, "no transaction")

    read_body = json.dumps({"query": READ_QUERY}).encode()

    async def graphql_read(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        status, answer = await conn.request("POST", "/graphql", read_body, headers)
        return _read_outcome(status, answer)

    async def plain_read(conn: HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        status, answer = await conn.request("GET", "/plain/wallets", b"", headers)
        return _read_outcome(status, answer)

    return {GRAPHQL_TRANSFER: transfer_op(token, wallets, f"{tag}-gq"), PLAIN_TRANSFER: plain_transfer, GRAPHQL_READ: graphql_read,
            PLAIN_READ: plain_read}


def _read_outcome(status: int, answer: bytes) -> tuple[int, str | None]:
    """A read succeeded: HTTP 200, no errors, 100 wallets."""
    if status != 200:
        return 0, f"HTTP {status}"
    data = json.loads(answer)
    if data.get("errors"):
        return 0, "GraphQL " + str(data["errors"][0].get("message"))[:60]
    return (1, None) if len(data["data"]["wallets"]["edges"]) == 100 else (0, "not 100 wallets")


async def same_document(port: int, token: str) -> bool:
    """The plain read route answers exactly the GraphQL document (printed either way)."""
    conn = HttpConnection("127.0.0.1", port)
    try:
        _, graphql = await conn.request("POST", "/graphql", json.dumps({"query": READ_QUERY}).encode(), _headers(token))
        _, plain = await conn.request("GET", "/plain/wallets", b"", _headers(token))
    finally:
        conn.close()
    same = json.loads(graphql) == json.loads(plain)
    print(f"the plain read route gives the GraphQL document: {'yes' if same else 'NO'}"
          f" ({len(graphql)} and {len(plain)} bytes)", flush=True)
    return same


async def run_round(args, token: str, wallets: list[str], db_url: str, log_dir: Path, tag: str, db_name: str,
                    label: str, rounds: dict[str, list[RunResult]], check_document: bool) -> bool:
    """The four runs of one round, each on a fresh plain_asgi server; False if the documents differ."""
    same = True
    for name, op in operations(token, wallets, tag).items():
        srv = server.Server(db_url, args.server_workers, log_dir, f"layer-{len(rounds.get(name, []))}-{name.split()[0]}",
                            extra_args=("--app", PLAIN_APP))
        await srv.start()
        try:
            if check_document:
                same = await same_document(srv.port, token)
                check_document = False
            print(f"{name} run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...",
                  flush=True)
            result = await run_ops(name, srv.port, op, args.clients, args.warmup, args.duration,
                                   srv.proc.pid if srv.proc else None, tag, db_name)
        finally:
            await srv.stop()
        await database.checkpoint(database.asyncpg_dsn(db_url))
        rounds.setdefault(name, []).append(result)
    return same


def transfers_seen(rounds: dict[str, list[RunResult]]) -> int:
    """Transfers the two transfer runs' clients saw succeed (warm-up included)."""
    return sum(r.successes_total for name in (GRAPHQL_TRANSFER, PLAIN_TRANSFER) for r in rounds.get(name, []))


def print_layer(rounds: dict[str, list[RunResult]], merge) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The GraphQL-layer table: each pair's rates, server CPU per request, and GraphQL / plain."""
    print()
    print("The GraphQL layer alone: the same work through /graphql and a plain Starlette route (same app and server)")
    print(f"{'run':32} {'per s':>9} {'p50':>7} {'p99':>7} {'errors':>7} {'server CPU ms/req':>18}")
    figures = {}
    for graphql_name, plain_name in PAIRS:
        pair = {}
        for name in (graphql_name, plain_name):
            if name not in rounds:
                continue
            r = merge(rounds[name])
            cpu_ms = 1000 * r.cpu.get("server", 0.0) / r.ok if r.ok else float("nan")
            pair[name] = r
            print(f"{name:32} {r.rate:9.1f} {r.percentile(50):7.1f} {r.percentile(99):7.1f} {sum(r.errors.values()):7d}"
                  f" {cpu_ms:18.2f}")
            if r.errors:
                print(f"{'':32} errors: " + ", ".join(f"{k} x{v}" for k, v in r.errors.most_common(3)))
            figures[name] = {"per_s": round(r.rate, 1), "p50_ms": round(r.percentile(50), 2),
                             "p99_ms": round(r.percentile(99), 2), "server_cpu_ms": round(cpu_ms, 3)}
        if len(pair) == 2 and pair[plain_name].rate:
            ratio = pair[graphql_name].rate / pair[plain_name].rate
            print(f"{'  GraphQL / plain':32} {ratio:9.2f}")
            figures[f"{graphql_name} / plain"] = round(ratio, 3)
    return figures

