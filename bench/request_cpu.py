#!/usr/bin/env python3
"""Python CPU per request of the API's own ASGI app, in one process on PostgreSQL: the GraphQL layer, measured quietly.

bench/transfers.py measures from outside (uvicorn workers, HTTP, a shared machine): its server CPU per transfer
moves by 5-10 % from run to run, more than most single changes to the request path are worth. This calls the app
(`bench.transfer_bench.plain_asgi:app`: the API's own app with the plain routes) as uvicorn would, minus the socket
and the HTTP parser, from --clients concurrent tasks, and reads this process's CPU (`time.process_time`) and the
PostgreSQL backends' CPU (/proc) per request. Kinds, in alternating rounds of --duration seconds each:

  graphql        transferCreate through /graphql, as partners send it (the endpoint runs it on its own parse of
                 the body: api/graphql_posted.py)
  graphql-view   the same through strawberry's HTTP view (api/graphql_posted.runs_directly switched off): the
                 request path before the direct run
  plain          POST /plain/transfer: the token check and the same service calls, no GraphQL
  viewer         `{ viewer { __typename } }` through /graphql: the request path's own cost around one small read
  viewer-view    the same through strawberry's HTTP view
  payment        paymentCreate through /graphql, as bench/transfers.py --payments sends it: a wallet pays one of 4
                 DEFERRED merchants of a second partner (one STATIC code each), so the payment's own cost beside a
                 transfer's can be read without HTTP or a served worker's noise

It prints each kind's CPU per request (median of the rounds) and the transfer kinds' ratio to `plain`, then runs
`ledger verify`. --kinds picks some of them (default: all).

  python bench/request_cpu.py --database-url postgres://postgres@127.0.0.1:5432/postgres --duration 4

A fresh database `qianbao_bench_reqcpu_<random>` is created next to --database-url and dropped at the end. The
per-partner rate limiter is off by its documented setting (QIANBAO_RATE_LIMIT_RPS); compliance is on, with the
bench pack's VELOCITY lifted as in bench/transfers.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.in_process import drop_database, fresh_database  # noqa: E402
from transfer_bench.cpu import cpu_snapshot  # noqa: E402
from transfer_bench.database import asyncpg_dsn  # noqa: E402
from transfer_bench.prepare import add_compliance_pack, approve_customers, migrate_and_create_partner  # noqa: E402
from transfer_bench.server import run_cli  # noqa: E402
from transfer_bench.payments import MERCHANT_CREATE, PAYMENT_MUTATION, REQUEST_CREATE  # noqa: E402
from transfer_bench.settings import BENCH_COUNTRY, CURRENCY, SEED_BALANCE, TRANSFER_MUTATION  # noqa: E402

KINDS = ("graphql", "graphql-view", "plain", "viewer", "viewer-view", "payment")
VIEWER = "{ viewer { __typename } }"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL whose server hosts the bench database")
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per round and kind (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each kind (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent requests (default 16)")
    parser.add_argument("--wallets", type=int, default=100, help="funded wallets transferred between (default 100)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated kinds to run (default: {','.join(KINDS)})")
    args = parser.parse_args(argv)
    asked = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not asked or any(k not in KINDS for k in asked):
        parser.error(f"--kinds takes some of {', '.join(KINDS)}")
    args.kinds = [k for k in KINDS if k in asked]  # in the table's order
    return args


class AsgiClient:
    """Calls an ASGI app the way uvicorn does for one HTTP/1.1 request, without a socket."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
                      ) -> tuple[int, bytes]:
        """One request: (status, body)."""
        raw = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": raw, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80),
                 "state": {}}
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects mid-request
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def graphql(self, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL call that must succeed: its data."""
        status, body = await self.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}).encode(),
                                          {"content-type": "application/json", "authorization": f"Bearer {token}"})
        document = json.loads(body)
        if status != 200 or document.get("errors"):
            raise RuntimeError(f"GraphQL call failed ({status}): {body[:400]!r}")
        return document["data"]


async def _token(client: AsgiClient, partner: dict[str, Any]) -> str:
    form = f"grant_type=client_credentials&client_id={quote(partner['client_id'])}&client_secret={quote(partner['client_secret'])}"
    status, body = await client.request("POST", "/oauth/token", form.encode(),
                                        {"content-type": "application/x-www-form-urlencoded"})
    if status != 200:
        raise RuntimeError(f"/oauth/token answered {status}: {body[:300]!r}")
    return json.loads(body)["access_token"]


async def _customer_with_wallet(client: AsgiClient, token: str, ref: str, kind: str, name: str) -> tuple[str, str]:
    """customerCreate then walletOpen in the bench currency: (customer id, wallet id)."""
    customer = await client.graphql(token, "mutation($input: CustomerCreateInput!) { customerCreate(input: $input)"
                                    " { customer { id } userErrors { code } } }",
                                    {"input": {"externalRef": ref, "kind": kind, "displayName": name,
                                               "country": BENCH_COUNTRY}})
    customer_id = customer["customerCreate"]["customer"]["id"]
    wallet = await client.graphql(token, "mutation($input: WalletOpenInput!) { walletOpen(input: $input)"
                                  " { wallet { id } userErrors { code } } }",
                                  {"input": {"customerId": customer_id, "currency": CURRENCY}})
    return customer_id, wallet["walletOpen"]["wallet"]["id"]


async def _wallets(client: AsgiClient, token: str, count: int) -> list[str]:
    """`count` funded wallets made through the API, as bench/transfers.py makes them."""
    ids = []
    for i in range(count):
        _, wallet_id = await _customer_with_wallet(client, token, f"rc-{i:04d}", "INDIVIDUAL", f"Bench {i}")
        await client.graphql(token, "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input)"
                             " { transaction { id } userErrors { code } } }",
                             {"input": {"walletId": wallet_id, "amount": SEED_BALANCE, "idempotencyKey": f"rc-seed-{i}"}})
        ids.append(wallet_id)
    return ids


def _request(kind: str, token: str, wallets: list[str], rnd: random.Random, key: str,
             codes: list[str] | None = None) -> tuple[str, bytes, dict[str, str]]:
    """One request of the kind: (path, body, headers); a random pair of wallets, a random amount under 1.00."""
    a, b = rnd.sample(range(len(wallets)), 2)
    values = {"fromWalletId": wallets[a], "toWalletId": wallets[b], "amount": f"0.{rnd.randint(1, 99):02d}",
              "idempotencyKey": key}
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    if kind == "plain":
        return "/plain/transfer", json.dumps(values).encode(), headers
    if kind.startswith("viewer"):
        return "/graphql", json.dumps({"query": VIEWER}).encode(), headers
    if kind == "payment":
        assert codes, "the payment kind needs the merchants' codes"
        paying = {"fromWalletId": wallets[a], "qrPayload": rnd.choice(codes), "amount": values["amount"],
                  "idempotencyKey": key}
        return "/graphql", json.dumps({"query": PAYMENT_MUTATION, "variables": {"input": paying}}).encode(), headers
    return "/graphql", json.dumps({"query": TRANSFER_MUTATION, "variables": {"input": values}}).encode(), headers


def _succeeded(kind: str, status: int, body: bytes) -> bool:
    if status != 200:
        return False
    document = json.loads(body)
    if kind == "plain":
        return "transaction" in document
    if kind.startswith("viewer"):
        return not document.get("errors") and bool(document.get("data", {}).get("viewer"))
    field, result = ("paymentCreate", "payment") if kind == "payment" else ("transferCreate", "transaction")
    payload = (document.get("data") or {}).get(field) or {}
    return not document.get("errors") and not payload.get("userErrors") and bool(payload.get(result))


async def _shop_codes(client: AsgiClient, db_url: str, count: int = 4) -> list[str]:
    """`count` DEFERRED merchants of a second partner (as bench/transfers.py --payments makes them), one STATIC code
    each: their QR payloads. Their customers are approved with the others (approve_customers)."""
    code, out, err = await run_cli("partner", "create", "--name", "bench-shops", "--json", "--database-url", db_url)
    if code != 0:
        raise RuntimeError(f"qianbao partner create (shops) failed ({code}): {err or out}")
    shops = await _token(client, json.loads(out.strip().splitlines()[-1]))
    owners = []
    for i in range(count):
        owners.append(await _customer_with_wallet(client, shops, f"shop-{i:04d}", "BUSINESS", f"Bench Shop {i} Ltd"))
    await approve_customers(asyncpg_dsn(db_url))  # merchantCreate wants a KYC-approved BUSINESS customer
    await asyncio.sleep(0.5)  # the standing announcement reaches the cache
    codes = []
    for i, (customer_id, wallet_id) in enumerate(owners):
        merchant = (await client.graphql(shops, MERCHANT_CREATE, {"input": {
            "customerId": customer_id, "settlementWalletId": wallet_id, "displayName": f"Bench Shop {i}",
            "mcc": "5812", "city": "Shanghai", "country": "CN", "settlement": "DEFERRED"}}))["merchantCreate"]
        if merchant["userErrors"]:
            raise RuntimeError(f"merchantCreate refused: {merchant['userErrors']}")
        request = (await client.graphql(shops, REQUEST_CREATE, {"input": {
            "merchantId": merchant["merchant"]["id"], "singleUse": False}}))["paymentRequestCreate"]
        codes.append(request["paymentRequest"]["payload"])
    return codes


async def _round(client: AsgiClient, kind: str, token: str, wallets: list[str], args: argparse.Namespace,
                 db_name: str, tag: str, codes: list[str] | None = None) -> tuple[float, float, int]:
    """One measured round of one kind: (Python CPU ms per request, PostgreSQL CPU ms per request, successes)."""
    import api.graphql_endpoint as endpoint
    from api.graphql_posted import runs_directly

    endpoint.runs_directly = (lambda *a: False) if kind.endswith("-view") else runs_directly
    done, failed = 0, 0
    deadline = time.perf_counter() + args.duration

    async def one_client(index: int) -> None:
        nonlocal done, failed
        rnd = random.Random(f"{tag}-{index}")
        seq = 0
        while time.perf_counter() < deadline:
            seq += 1
            path, body, headers = _request(kind, token, wallets, rnd, f"{tag}-{index}-{seq}", codes)
            status, answer = await client.request("POST", path, body, headers)
            if _succeeded(kind, status, answer):
                done += 1
            else:
                failed += 1
                if failed <= 3:
                    print(f"  {kind}: refused ({status}): {answer[:300]!r}")

    cpu, pg = time.process_time(), cpu_snapshot(None, db_name)["postgres"]
    await asyncio.gather(*(one_client(i) for i in range(args.clients)))
    cpu, pg = time.process_time() - cpu, cpu_snapshot(None, db_name)["postgres"] - pg
    endpoint.runs_directly = runs_directly
    if failed:
        raise RuntimeError(f"{kind}: {failed} requests failed")
    return 1000 * cpu / max(1, done), 1000 * pg / max(1, done), done


async def main(args: argparse.Namespace) -> int:
    """Set up, run the alternating rounds, print the table, verify the ledger."""
    url, name = await fresh_database(args.database_url, "qianbao_bench_reqcpu")
    try:
        partner = await migrate_and_create_partner(url)
        await add_compliance_pack(asyncpg_dsn(url))
        os.environ.update({"QIANBAO_DATABASE_URL": url, "QIANBAO_ENV": "development", "QIANBAO_TOKEN_TTL_S": "3600",
                           "QIANBAO_RATE_LIMIT_RPS": "1000000", "QIANBAO_RATE_LIMIT_BURST": "1000000"})
        from bench.transfer_bench.plain_asgi import app

        client = AsgiClient(app)
        async with app.router.lifespan_context(app):
            token = await _token(client, partner)
            wallets = await _wallets(client, token, args.wallets)
            await approve_customers(asyncpg_dsn(url))
            await asyncio.sleep(0.5)  # the standing announcement reaches the cache
            codes = await _shop_codes(client, url) if "payment" in args.kinds else None
            for kind in args.kinds:  # warm-up: caches, prepared statements, the pool
                await _round(client, kind, token, wallets, argparse.Namespace(**{**vars(args), "duration": 1.0}),
                             name, f"warm-{kind}", codes)
            figures: dict[str, list[tuple[float, float, int]]] = {kind: [] for kind in args.kinds}
            for round_no in range(args.rounds):
                for kind in args.kinds:
                    figures[kind].append(await _round(client, kind, token, wallets, args, name, f"r{round_no}-{kind}",
                                                      codes))
        print(f"\n{args.clients} concurrent requests in one process, {args.rounds} alternating rounds of "
              f"{args.duration:g} s per kind (median of the rounds)")
        print(f"{'kind':<14} {'requests/s':>11} {'Python CPU ms/req':>18} {'PostgreSQL CPU ms/req':>22} {'x plain (Python)':>17}")
        plain = statistics.median(f[0] for f in figures["plain"]) if "plain" in figures else None
        for kind in args.kinds:
            py = statistics.median(f[0] for f in figures[kind])
            pg = statistics.median(f[1] for f in figures[kind])
            rate = statistics.median(f[2] for f in figures[kind]) / args.duration
            ratio = "" if kind.startswith("viewer") or plain is None else f"{py / plain:>17.2f}"
            print(f"{kind:<14} {rate:>11.1f} {py:>18.3f} {pg:>22.3f} {ratio}")
        print("per round (Python ms/req): " + "; ".join(
            f"{kind} " + " ".join(f"{f[0]:.3f}" for f in figures[kind]) for kind in args.kinds))
        if "graphql" in figures and "payment" in figures:
            # CPU per payment against per transfer, Python and PostgreSQL together: the rate ratio a CPU-bound machine
            # would show (issue 13's payments >= 0.9x transfers).
            cost = {k: statistics.median(f[0] + f[1] for f in figures[k]) for k in ("graphql", "payment")}
            print(f"CPU per transfer / CPU per payment (Python + PostgreSQL): {cost['graphql'] / cost['payment']:.2f}")
        code, out, err = await run_cli("ledger", "verify", "--database-url", url)
        print(out.strip().splitlines()[-1] if out.strip() else err.strip())
        return code
    finally:
        await drop_database(args.database_url, name)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
