#!/usr/bin/env python3
"""Soak (issue 19 item 13): transfers at half the saturating rate for --minutes on PostgreSQL, with webhooks delivered.

One run:
  1. a fresh database `qianbao_soak_<random>` next to --database-url-base (dropped at the end unless --keep-db),
     `qianbao migrate`, `qianbao partner create --json`, a webhook receiver process (bench/webhooks.py's: answers
     200 at once and counts) and `qianbao serve --workers 1 --no-worker` with one `qianbao worker` process
     delivering the webhooks (the production layout; `--dispatcher in-process` dispatches inside the server
     instead) (QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS=true, rate limiter lifted as in bench/transfers.py);
  2. --wallets wallets seeded through GraphQL and one webhook endpoint for every event type;
  3. saturation: --clients keep-alive clients send transferCreate back to back for --saturate seconds;
     their rate is the saturating rate R;
  4. soak: transfers are started at R/2 per second on a fixed schedule (open loop: a slow answer does not slow
     the schedule; up to --max-in-flight at once, a start that finds them all busy is counted as "late")
     for --minutes; every minute one line: transfers, errors, late starts, p50/p95/p99 latency, the server's
     and the worker's resident memory (VmRSS, MiB), webhook deliveries received and the backlog (the partner's
     events in the outbox not yet received: it must stay flat, not grow);
  5. the outbox drained (every partner event of the run delivered to the receiver), then `qianbao ledger verify`.
Exit 1 when the ledger does not verify or a delivery is missing.

Usage (project venv active, PostgreSQL answering):  python bench/soak.py [--minutes 30]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: the transfer bench's package
from transfer_bench.api_run import classify  # noqa: E402
from transfer_bench.database import asyncpg_dsn, drop_database, with_database  # noqa: E402
from transfer_bench.http_client import GraphQLSession, HttpConnection, HttpError  # noqa: E402
from transfer_bench.prepare import approve_customers, get_token, migrate_and_create_partner, seed_wallets  # noqa: E402
from transfer_bench.server import Server, free_port, run_cli  # noqa: E402
from transfer_bench.settings import TRANSFER_MUTATION  # noqa: E402

KEEP_ALIVE_S = 4.5  # a connection idle this long may have been closed by the server (uvicorn keeps 5 s)
ENDPOINT_CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {"
                   " webhookEndpoint { id } userErrors { code message } } }")


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's worker), in MiB."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Sender:
    """One keep-alive connection sending transfers; busy while a request is in flight."""

    def __init__(self, port: int, token: str, wallets: list[str], tag: str) -> None:
        self.conn = HttpConnection("127.0.0.1", port)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.wallets, self.tag, self.seq, self.busy = wallets, tag, 0, False
        self.last_used, self.reconnects = time.perf_counter(), 0
        self.query = json.dumps(TRANSFER_MUTATION)

    async def transfer(self, rng: "random.Random") -> tuple[float, str | None]:  # noqa: F821
        """Send one transfer; (seconds taken, error label or None)."""
        self.busy = True
        self.seq += 1
        a, b = rng.sample(range(len(self.wallets)), 2)
        body = ('{"query":%s,"variables":{"input":{"fromWalletId":"%s","toWalletId":"%s","amount":"0.%02d",'
                '"idempotencyKey":"%s-%d"}}}' % (self.query, self.wallets[a], self.wallets[b], rng.randint(1, 99),
                                                 self.tag, self.seq)).encode()
        started = time.perf_counter()
        idle = started - self.last_used
        try:
            for attempt in (1, 2):
                try:
                    status, payload = await self.conn.request("POST", "/graphql", body, self.headers)
                    error = classify(status, payload)
                    break
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError) as exc:
                    error = f"transport {type(exc).__name__}"
                    self.conn.close()
                    # A connection idle past the server's keep-alive timeout (uvicorn: 5 s) was closed by it: send
                    # again once on a new connection with the same idempotency key, as any HTTP client does.
                    if attempt == 1 and idle >= KEEP_ALIVE_S and isinstance(exc, (asyncio.IncompleteReadError, ConnectionError)):
                        self.reconnects += 1
                        continue
                    break
        finally:
            self.busy = False
            self.last_used = time.perf_counter()
        return time.perf_counter() - started, error


async def saturate(port: int, token: str, wallets: list[str], clients: int, seconds: float) -> float:
    """Transfers per second with `clients` senders back to back."""
    import random

    done = 0
    end = time.perf_counter() + seconds

    async def loop(index: int) -> None:
        nonlocal done
        sender, rng = Sender(port, token, wallets, f"sat{index}-{secrets.token_hex(3)}"), random.Random(index)
        while time.perf_counter() < end:
            _, error = await sender.transfer(rng)
            done += error is None
        sender.conn.close()

    await asyncio.gather(*(loop(i) for i in range(clients)))
    return done / seconds


async def soak(args: argparse.Namespace, port: int, token: str, wallets: list[str], rate: float, server_pid: int,
               stats_url: tuple[str, int], worker_pid: int | None, dsn: str) -> dict:
    """Start transfers at `rate` per second for args.minutes; print one line a minute; the totals."""
    import random

    senders = [Sender(port, token, wallets, f"soak{i}-{secrets.token_hex(3)}") for i in range(args.max_in_flight)]
    rng = random.Random(7)
    minute: dict = {"lat": [], "errors": 0, "late": 0}
    totals = {"transfers": 0, "errors": 0, "late": 0, "minutes": [], "labels": collections.Counter()}
    tasks: set[asyncio.Task] = set()

    async def one(sender: Sender) -> None:
        taken, error = await sender.transfer(rng)
        if error is None:
            minute["lat"].append(taken * 1000)
            totals["transfers"] += 1
        else:
            minute["errors"] += 1
            totals["errors"] += 1
            totals["labels"][error] += 1  # what went wrong: a userError code, an HTTP status or a transport error

    print(f"{'minute':>6} {'transfers':>9} {'errors':>6} {'late':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
          f" {'RSS MiB':>8} {'wkr MiB':>8} {'webhooks':>9} {'backlog':>8}", flush=True)
    start = time.perf_counter()
    interval = 1.0 / rate
    n = 0
    for m in range(1, args.minutes + 1):
        minute_end = start + 60 * m
        while True:
            due = start + n * interval
            if due >= minute_end:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            n += 1
            free = next((s for s in senders if not s.busy), None)
            if free is None:
                minute["late"] += 1
                totals["late"] += 1
                continue
            free.busy = True
            task = asyncio.create_task(one(free))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        lat = sorted(minute["lat"])
        pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan"))
        received = await receiver_posts(stats_url)
        events = await event_count(dsn)
        row = {"minute": m, "transfers": len(lat), "errors": minute["errors"], "late": minute["late"],
               "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "rss": rss_mib(server_pid),
               "worker_rss": rss_mib(worker_pid) if worker_pid else float("nan"), "webhooks": received,
               "backlog": events - received}
        totals["minutes"].append(row)
        print(f"{m:>6} {row['transfers']:>9} {row['errors']:>6} {row['late']:>5} {row['p50']:>7.1f} {row['p95']:>7.1f}"
              f" {row['p99']:>7.1f} {row['rss']:>8.1f} {row['worker_rss']:>8.1f} {received:>9} {row['backlog']:>8}",
              flush=True)
        minute = {"lat": [], "errors": 0, "late": 0}
    await asyncio.gather(*tasks)
    for sender in senders:
        sender.conn.close()
    totals["reconnects"] = sum(sender.reconnects for sender in senders)
    return totals


async def event_count(dsn: str) -> int:
    """Events in the outbox so far that go to the partner's endpoint (it subscribes to every type): the partner's
    own, of a type partners receive. The bank's own events (aml.alert_raised: about one per transfer here, from
    the velocity rule) stay inside the bank."""
    from services.event_catalogue import PARTNER_EVENT_TYPES

    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM domain_event WHERE partner_id IS NOT NULL"
                                       " AND type = ANY($1::text[])", sorted(PARTNER_EVENT_TYPES)))
    finally:
        await conn.close()


async def receiver_posts(stats_url: tuple[str, int]) -> int:
    """Webhook deliveries the receiver has counted (distinct webhook-ids)."""
    conn = HttpConnection(*stats_url)
    try:
        status, body = await conn.request("GET", "/stats")
        return json.loads(body)["distinct"] if status == 200 else -1
    except (OSError, HttpError, ValueError):
        return -1
    finally:
        conn.close()


async def main(args: argparse.Namespace) -> int:
    """Create, seed, saturate, soak, drain, verify, drop."""
    db_name = f"qianbao_soak_{secrets.token_hex(4)}"
    db_url = with_database(args.database_url_base, db_name)
    admin = await asyncpg.connect(asyncpg_dsn(args.database_url_base))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    log_dir = Path(tempfile.mkdtemp(prefix="qianbao-soak-"))
    receiver_port = free_port()
    receiver = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parent / "webhooks.py"),
                                 "--receiver", str(receiver_port)])
    server: Server | None = None
    worker: subprocess.Popen | None = None
    try:
        partner = await migrate_and_create_partner(db_url)
        in_process = args.dispatcher == "in-process"
        server = Server(db_url, 1, log_dir, "soak", () if in_process else ("--no-worker",))
        await server.start()
        if not in_process:
            worker = subprocess.Popen([str(Path(sys.executable).parent / "qianbao"), "worker", "--database-url", db_url],
                                      stdout=open(log_dir / "worker.log", "wb"), stderr=subprocess.STDOUT)
        token = await get_token(server.port, partner["client_id"], partner["client_secret"])
        session = GraphQLSession("127.0.0.1", server.port, token)
        await session.payload("webhookEndpointCreate", ENDPOINT_CREATE, {"input": {
            "url": f"http://127.0.0.1:{receiver_port}/hook", "eventTypes": ["*"], "description": "soak receiver"}})
        wallets = await seed_wallets(server.port, token, args.wallets, "soak")
        await approve_customers(asyncpg_dsn(db_url))
        layout = "in-process webhook dispatcher" if in_process else f"--no-worker; qianbao worker pid {worker.pid}"
        print(f"database {db_name}; qianbao serve --workers 1 (pid {server.proc.pid}, {layout});"
              f" {len(wallets)} wallets; receiver on :{receiver_port}; logs in {log_dir}", flush=True)
        rate = await saturate(server.port, token, wallets, args.clients, args.saturate)
        print(f"saturating rate: {rate:.0f} transfers/s ({args.clients} clients back to back, {args.saturate:.0f} s);"
              f" soak at half: {rate / 2:.0f}/s for {args.minutes} min", flush=True)
        totals = await soak(args, server.port, token, wallets, rate / 2, server.proc.pid, ("127.0.0.1", receiver_port),
                            worker.pid if worker else None, asyncpg_dsn(db_url))

        events = await event_count(asyncpg_dsn(db_url))
        deadline = time.monotonic() + 120
        while (received := await receiver_posts(("127.0.0.1", receiver_port))) < events and time.monotonic() < deadline:
            await asyncio.sleep(1)
        first, last = totals["minutes"][0], totals["minutes"][-1]
        p99s = [row["p99"] for row in totals["minutes"]]
        print(f"\nsoak: {totals['transfers']} transfers, {totals['errors']} errors, {totals['late']} late starts in"
              f" {args.minutes} min; p99 per minute: median {statistics.median(p99s):.1f} ms, max {max(p99s):.1f} ms;"
              f" RSS {first['rss']:.1f} MiB after minute 1, {last['rss']:.1f} MiB at the end"
              f" (worker {first['worker_rss']:.1f} -> {last['worker_rss']:.1f} MiB);"
              f" webhook backlog per minute: max {max(r['backlog'] for r in totals['minutes'])},"
              f" last {last['backlog']}")
        print(f"errors by kind: {dict(totals['labels']) or 'none'}; {totals['reconnects']} requests sent again on a new"
              f" connection after the server closed one idle for {KEEP_ALIVE_S} s or more (same idempotency key)")
        delivered = received >= events
        print(f"webhooks: {received} of {events} events delivered{'' if delivered else ' (MISSING)'}")
        code, out, err = await run_cli("ledger", "verify", "--database-url", db_url)
        print(f"qianbao ledger verify: {(out or err).strip().splitlines()[-1]}")
        return 0 if code == 0 and delivered else 1
    finally:
        if server is not None:
            await server.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        receiver.terminate()
        receiver.wait(10)
        if not args.keep_db:
            await drop_database(asyncpg_dsn(args.database_url_base), db_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url-base", default=os.environ.get(
        "QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--wallets", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16, help="senders of the saturation run")
    parser.add_argument("--saturate", type=float, default=20.0, help="seconds of the saturation run")
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--dispatcher", choices=("worker", "in-process"), default="worker",
                        help="who delivers webhooks: a `qianbao worker` process beside `serve --no-worker` (default)"
                             " or the server's in-process dispatcher")
    os.environ.setdefault("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")  # the receiver is on loopback
    os.environ.setdefault("QIANBAO_ENV", "development")
    sys.exit(asyncio.run(main(parser.parse_args())))
