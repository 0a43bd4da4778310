#!/usr/bin/env python3
"""Webhook events delivered per second by one `qianbao worker`, against a plain-HTTP baseline.

One run, against PostgreSQL:

  1. creates a fresh database `qianbao_bench_<random>` next to --database-url-base
     (dropped at the end, also on Ctrl-C or failure, unless --keep-db) and runs
     `qianbao migrate`;
  2. starts a receiver in its own process (this script with --receiver: Starlette
     on uvicorn, uvloop + httptools when installed) that answers every POST with
     200 at once and counts the webhook-ids it saw;
  3. in this process, through the services: a partner, one endpoint subscribed to
     every event type pointing at the receiver, and --events outbox rows
     (wallet.frozen) written in bulk before the worker starts;
  4. worker run: starts one `qianbao worker` (QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS=true)
     and times from its "dispatching" line (after start-up and its migration check)
     until the receiver has seen every event. The fan-out of the whole outbox is
     inside the measured time: it is the worker's work too. Then waits until every
     webhook_delivery row is SUCCEEDED, and stops the worker with SIGTERM;
  5. baseline: the same deliveries (bodies and webhook-ids read back from
     webhook_delivery) signed with the endpoint's secret and POSTed to the same
     receiver by a plain httpx.AsyncClient loop with 20 requests in flight (the
     dispatcher's CONCURRENCY), no database: the most one process can push through
     this receiver this way;
  6. prints events/s of both, the ratio worker/baseline, and CPU seconds: the
     worker process (total, and during the measured window), the receiver, the
     PostgreSQL backends of the benchmark database, and this process during the
     baseline.

CPU figures come from /proc (psutil is not needed). The benchmark shares the
machine's cores with PostgreSQL and the receiver; figures taken while other work
is busy are worth little.

Usage (project venv active, PostgreSQL answering):

    python bench/webhooks.py
    python bench/webhooks.py --events 20000 --database-url-base postgres://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

QIANBAO = Path(sys.executable).parent / "qianbao"
IN_FLIGHT = 20  # the baseline's concurrency: services.webhooks.dispatcher.CONCURRENCY
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="events in the outbox (default 5000)")
    parser.add_argument(
        "--database-url-base",
        default=os.environ.get("QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL URL whose database is used to create and drop the benchmark database",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds per run (default 600)")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)  # internal: serve the receiver on this port
    args = parser.parse_args(argv)
    if args.receiver is None and args.events < 1:
        parser.error("need --events >= 1")
    return args


# --- the receiver (its own process) ---------------------------------------------------------------------------


def serve_receiver(port: int) -> int:
    """Run the receiver: POST /hook answers 200 at once and counts; GET /stats and POST /reset for the bench."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    state: dict = {}

    def reset() -> None:
        """Forget everything received."""
        state.update(posts=0, ids=set(), first=None, last=None)

    async def hook(request: Request) -> PlainTextResponse:
        """Count one delivery (its webhook-id, and when it came) and answer 200."""
        await request.body()
        now = time.monotonic()  # CLOCK_MONOTONIC: comparable with the bench process's clock
        state["posts"] += 1
        state["ids"].add(request.headers.get("webhook-id"))
        state["first"] = state["first"] or now
        state["last"] = now
        return PlainTextResponse("ok")

    async def stats(_: Request) -> JSONResponse:
        """What was received so far, and this process's CPU seconds."""
        t = os.times()
        return JSONResponse({"posts": state["posts"], "distinct": len(state["ids"]), "first": state["first"],
                             "last": state["last"], "cpu": t.user + t.system})

    async def clear(_: Request) -> PlainTextResponse:
        """Start counting afresh."""
        reset()
        return PlainTextResponse("ok")

    reset()
    app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/stats", stats),
                            Route("/reset", clear, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
    return 0


# --- helpers ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def asyncpg_dsn(url: str) -> str:
    """The URL in the form asyncpg accepts."""
    return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process, from /proc; 0 when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    rest = raw[raw.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / _CLK_TCK


def postgres_cpu(db_name: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to the benchmark database.

    A backend's title names its database; the worker's command line names it too (--database-url), hence the
    check of the process name.
    """
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if (Path(f"/proc/{entry}/comm").read_text().startswith("postgres")
                    and db_name.encode() in Path(f"/proc/{entry}/cmdline").read_bytes()):
                total += proc_cpu(int(entry))
        except OSError:
            pass
    return total


def machine_cpu() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat; idle and iowait excluded)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _CLK_TCK


def child_env() -> dict[str, str]:
    """The environment of the worker: this one, development mode, loopback delivery allowed."""
    env = dict(os.environ)
    env.update(QIANBAO_ENV="development", QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS="true")
    return env


def stop(process: subprocess.Popen | None, *, sig: int = signal.SIGTERM) -> None:
    """Stop a child process (SIGTERM, then SIGKILL after 10 s) and reap it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the benchmark ----------------------------------------------------------------------------------------------


async def receiver_stats(client, url: str) -> dict:
    """The receiver's counters."""
    return (await client.get(url + "/stats")).json()


async def seed(url: str, hook_url: str, events: int) -> str:
    """A partner, its endpoint (every event type) and `events` outbox rows; the endpoint's signing secret."""
    from api.db import close_orm, init_orm
    from auth.principal import Principal
    from auth.scopes import PARTNER_SCOPES
    from models import DomainEvent
    from services.partners.onboarding import create_partner
    from services.webhooks.endpoints import create_endpoint

    await init_orm(url)
    try:
        created = await create_partner(name="bench-webhooks")
        principal = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                              scopes=frozenset(PARTNER_SCOPES))
        endpoint = await create_endpoint(principal=principal, url=hook_url, event_types=["*"])
        payload = {"walletId": "00000000-0000-0000-0000-00000000beef", "customerId": "00000000-0000-0000-0000-00000000cafe"}
        await DomainEvent.bulk_create([
            DomainEvent(type="wallet.frozen", partner_id=created.partner.id, object_type="Wallet",
                        object_id=payload["walletId"], payload=payload) for _ in range(events)
        ], batch_size=1000)
        return endpoint.secret
    finally:
        await close_orm()


async def worker_run(args: argparse.Namespace, url: str, db_name: str, stats_url: str, log_path: Path) -> dict:
    """One `qianbao worker` delivering the whole outbox; its timings and CPU."""
    import asyncpg
    import httpx

    async with httpx.AsyncClient(trust_env=False) as client:
        with open(log_path, "wb") as log:
            spawned = time.monotonic()
            worker = subprocess.Popen([str(QIANBAO), "worker", "--database-url", url], env=child_env(),
                                      stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            line = await asyncio.to_thread(worker.stdout.readline)  # "qianbao worker: dispatching webhooks ..."
            if "dispatching" not in line:
                raise RuntimeError(f"the worker did not start: {line!r}\n{log_path.read_text()[-3000:]}")
            ready = time.monotonic()
            cpu_ready, pg_ready, machine_ready = proc_cpu(worker.pid), postgres_cpu(db_name), machine_cpu()
            self_ready = sum(os.times()[:2])
            receiver_ready = (await receiver_stats(client, stats_url))["cpu"]
            while True:
                stats = await receiver_stats(client, stats_url)
                if stats["distinct"] >= args.events:
                    break
                if worker.poll() is not None or time.monotonic() - ready > args.timeout:
                    raise RuntimeError(f"{stats['distinct']}/{args.events} delivered; worker exit {worker.poll()}\n"
                                       + log_path.read_text()[-3000:])
                await asyncio.sleep(0.02)
            cpu_done, pg_done, machine_done = proc_cpu(worker.pid), postgres_cpu(db_name), machine_cpu()
            self_done = sum(os.times()[:2])
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                while await conn.fetchval("SELECT count(*) FROM webhook_delivery WHERE status = 'SUCCEEDED'") < args.events:
                    if time.monotonic() - ready > args.timeout:
                        raise RuntimeError("not every delivery was recorded SUCCEEDED")
                    await asyncio.sleep(0.02)
                recorded = time.monotonic()
            finally:
                await conn.close()
            cpu_total = proc_cpu(worker.pid)
        finally:
            stop(worker)
    return {
        "startup_s": ready - spawned, "seconds": stats["last"] - ready, "first_s": stats["first"] - ready,
        "window_s": stats["last"] - stats["first"], "recorded_s": recorded - ready, "posts": stats["posts"],
        "worker_cpu": cpu_done - cpu_ready, "worker_cpu_total": cpu_total, "postgres_cpu": pg_done - pg_ready,
        "receiver_cpu": stats["cpu"] - receiver_ready,
        "other_cpu": max(0.0, (machine_done - machine_ready) - (cpu_done - cpu_ready) - (pg_done - pg_ready)
                         - (stats["cpu"] - receiver_ready) - (self_done - self_ready)),
    }


async def baseline_run(args: argparse.Namespace, url: str, secret: str, hook_url: str, stats_url: str) -> dict:
    """The same signed POSTs from a plain httpx loop, IN_FLIGHT at once, no database; its timings and CPU."""
    import asyncpg
    import httpx

    from services.webhooks.signing import signed_headers

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT message_id, body FROM webhook_delivery ORDER BY event_id")
    finally:
        await conn.close()
    work = iter([(r["message_id"], r["body"].encode()) for r in rows])
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(trust_env=False) as control, \
            httpx.AsyncClient(timeout=5.0, trust_env=False, follow_redirects=False, limits=limits) as client:
        await control.post(stats_url + "/reset")
        receiver_before = (await receiver_stats(control, stats_url))["cpu"]
        failures = 0

        async def sender() -> None:
            """Send deliveries until none is left."""
            nonlocal failures
            for mid, body in work:
                headers = signed_headers(message_id=mid, timestamp=datetime.now(timezone.utc), body=body, secrets_=[secret])
                response = await client.post(hook_url, content=body, headers=headers)
                failures += response.status_code != 200

        t0, cpu0 = time.monotonic(), sum(os.times()[:2])
        await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
        seconds, cpu = time.monotonic() - t0, sum(os.times()[:2]) - cpu0
        stats = await receiver_stats(control, stats_url)
    if stats["distinct"] != len(rows) or failures:
        raise RuntimeError(f"baseline: {stats['distinct']}/{len(rows)} received, {failures} non-200 answers")
    return {"seconds": seconds, "client_cpu": cpu, "receiver_cpu": stats["cpu"] - receiver_before, "posts": len(rows)}


async def main(args: argparse.Namespace) -> int:
    """Create the database, run both measurements, print the figures, drop the database."""
    import asyncpg
    import httpx

    admin_dsn = asyncpg_dsn(args.database_url_base)
    db_name = f"qianbao_bench_{secrets.token_hex(4)}"
    url = with_database(args.database_url_base, db_name)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{db_name}"')
    finally:
        await admin.close()
    receiver: subprocess.Popen | None = None
    workdir = Path(tempfile.mkdtemp(prefix="qianbao-bench-webhooks-"))
    try:
        migrated = subprocess.run([str(QIANBAO), "migrate", "--database-url", url], env=child_env(),
                                  capture_output=True, text=True, cwd=workdir)
        if migrated.returncode != 0:
            print(f"qianbao migrate failed:\n{migrated.stderr}", file=sys.stderr)
            return 2
        port = free_port()
        hook_url, stats_url = f"http://127.0.0.1:{port}/hook", f"http://127.0.0.1:{port}"
        receiver = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--receiver", str(port)])
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(500):
                try:
                    await receiver_stats(client, stats_url)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.02)
        t = time.monotonic()
        secret = await seed(url, hook_url, args.events)
        print(f"database {db_name}: {args.events} events written in {time.monotonic() - t:.1f} s; receiver on :{port}")

        w = await worker_run(args, url, db_name, stats_url, workdir / "worker.log")
        b = await baseline_run(args, url, secret, hook_url, stats_url)
    finally:
        stop(receiver)
        if not args.keep_db:
            admin = await asyncpg.connect(admin_dsn)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            finally:
                await admin.close()
        else:
            print(f"kept database {db_name}")

    n = args.events
    worker_rate, base_rate = n / w["seconds"], n / b["seconds"]
    print()
    print(f"worker   : {n} events in {w['seconds']:.2f} s = {worker_rate:,.0f} events/s "
          f"(start-up {w['startup_s']:.1f} s not counted; first delivery after {w['first_s']:.2f} s; "
          f"first-to-last {n / w['window_s'] if w['window_s'] else float('nan'):,.0f}/s; "
          f"all rows SUCCEEDED after {w['recorded_s']:.2f} s; {w['posts'] - n} repeated POSTs)")
    print(f"           CPU s: worker {w['worker_cpu']:.2f} ({1000 * w['worker_cpu'] / n:.2f} ms/event; "
          f"{w['worker_cpu_total']:.2f} incl. start-up), PostgreSQL {w['postgres_cpu']:.2f}, receiver {w['receiver_cpu']:.2f}, "
          f"other processes {w['other_cpu']:.2f} (of {os.cpu_count()} cores x {w['seconds']:.1f} s)")
    print(f"baseline : {n} signed POSTs in {b['seconds']:.2f} s = {base_rate:,.0f} events/s "
          f"(httpx.AsyncClient, {IN_FLIGHT} in flight, no database)")
    print(f"           CPU s: client {b['client_cpu']:.2f} ({1000 * b['client_cpu'] / n:.2f} ms/event), receiver {b['receiver_cpu']:.2f}")
    print(f"ratio worker/baseline: {worker_rate / base_rate:.2f}")
    return 0


def entry() -> int:
    """Run the benchmark (or, with --receiver, the receiver process)."""
    args = parse_args()
    if args.receiver is not None:
        return serve_receiver(args.receiver)
    os.environ["QIANBAO_ENV"] = "development"  # loopback delivery is refused in production
    os.environ["QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"  # create_endpoint checks the URL here too
    # The endpoint's secret is sealed with the PII master key: one for this run, shared with the worker.
    os.environ.setdefault("QIANBAO_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    try:
        return asyncio.run(main(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(entry())
