#!/usr/bin/env python3
"""Random wallet-to-wallet transfers per second: the GraphQL API against a raw-SQL baseline.

One run, against PostgreSQL:

  1. creates a fresh database `qianbao_bench_<random>` next to --database-url-base
     (dropped at the end, also on Ctrl-C or failure, unless --keep-db), runs
     `qianbao migrate`, `qianbao partner create --name bench --json`, and gets
     a token with POST /oauth/token;
  2. starts `qianbao serve --workers 2` (uvloop + httptools) on a free port and
     seeds 2 x --wallets CNY wallets with large balances through GraphQL
     (customerCreate, walletOpen, walletTopUp): one half for the API run, the
     other half for the baseline, so the two runs never touch the same rows;
  3. API run: --clients keep-alive HTTP/1.1 connections, each sending
     transferCreate between two random distinct wallets, small amounts, a fresh
     idempotency key per request; --warmup seconds first, then --duration
     seconds measured. A success is HTTP 200 with no `errors` and an empty
     `userErrors`; everything else is counted (and named) as an error;
  4. stops the API server (so the baseline has both cores to itself), runs
     CHECKPOINT, then the baseline: --clients asyncpg connections doing the same
     ledger writes per transfer, for the same warm-up and duration:
        BEGIN; INSERT idempotency_record; SELECT wallet JOIN account ...
        ORDER BY account id FOR UPDATE; UPDATE both balances (one statement, as
        the app does); INSERT ledger_transaction; INSERT two ledger_entry rows
        (one statement); COMMIT
     Each baseline client keeps its own connection (a pool of --clients
     connections, one per client, never released between transfers): the
     cheapest way raw asyncpg can do it;
  5. counts the SQL round trips of one transfer, for the API (one more
     `qianbao serve --workers 1` whose database connections go through a small
     PostgreSQL wire-protocol counter in this process) and for the baseline;
     skip with --no-round-trips;
  6. prints transfers/s, p50/p99 latency, errors, the API/baseline ratio
     (target >= 0.4) and the CPU each party used (seconds of CPU per second:
     this process, the server's processes, PostgreSQL, and "other", i.e.
     everything else on the machine -- a figure taken while other work was
     busy is not worth much), checks that the database holds exactly the
     transfers the clients saw succeed, then runs `qianbao ledger verify`
     and prints its verdict.

It also prints the CPU milliseconds each party spends per transfer and their
"CPU-cost ratio" (baseline CPU per transfer / API CPU per transfer). When the
run saturates the 2 cores, the measured ratio tends to it; when other work
shares the machine, it is the steadier of the two figures.

With --rounds N the API and baseline runs alternate N times (the server is
restarted for each API run) and the figures are pooled, which evens out
disturbances from other work on a shared machine.

Exit status: 1 when the ledger does not verify (or --fail-under is given and
the ratio is below it), 2 when the benchmark itself could not run, else 0.

The load generator is a minimal asyncio-streams HTTP/1.1 client on uvloop in
this process; it shares the machine's cores with the server and PostgreSQL, so
its own CPU use is reported too.

Token issuance is not measured. The partner secret is hashed with the
production argon2 profile (about 0.2 s once); QIANBAO_ARGON2_PROFILE is left
alone. The server runs with QIANBAO_TOKEN_TTL_S=3600 so that one token lasts
the whole run, and with QIANBAO_RATE_LIMIT_RPS / QIANBAO_RATE_LIMIT_BURST
raised to 1000000 (unless set in the environment): every request comes from
one partner, and the benchmark measures transfers, not the rate limiter.

Usage (project venv active, PostgreSQL answering):

    python bench/transfers.py
    python bench/transfers.py --duration 30 --clients 16 --wallets 50 \\
        --database-url-base postgres://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from models.ids import uuid7

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CURRENCY = "CNY"
SEED_BALANCE = "100000000.00"  # per wallet: transfers of at most 0.99 never exhaust it
TARGET_RATIO = 0.4

TRANSFER_MUTATION = (
    "mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
    " transaction { id amount { amount currency } } userErrors { code message field } } }"
)


# --------------------------------------------------------------------------- HTTP client


class HttpError(Exception):
    """The server answered something this minimal client cannot read."""


class HttpConnection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: just enough for JSON POSTs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def _ensure(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
        return self.reader, self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        reader, writer = await self._ensure()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            raw_head = await reader.readuntil(b"\r\n\r\n")
            lines = raw_head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            response_headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    response_headers[name.strip().lower()] = value.strip()
            if "content-length" in response_headers:
                payload = await reader.readexactly(int(response_headers["content-length"]))
            elif response_headers.get("transfer-encoding", "").lower() == "chunked":
                payload = await self._read_chunked(reader)
            else:
                raise HttpError("response without Content-Length or chunked encoding")
        except BaseException:
            self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)


class GraphQLSession:
    """A partner's bearer token and one connection, for set-up calls."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.conn = HttpConnection(host, port)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        status, body = await self.conn.request(
            "POST", "/graphql", json.dumps({"query": query, "variables": variables}).encode(), self.headers
        )
        data = json.loads(body)
        if status != 200 or data.get("errors"):
            raise RuntimeError(f"GraphQL call failed (HTTP {status}): {body[:500]!r}")
        return data["data"]

    async def payload(self, field_name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        result = (await self.call(query, variables))[field_name]
        if result.get("userErrors"):
            raise RuntimeError(f"{field_name} refused: {result['userErrors']}")
        return result


# --------------------------------------------------------------------------- results


@dataclass
class RunResult:
    name: str
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # successes completed inside the window
    errors: Counter = field(default_factory=Counter)  # inside the window
    successes_total: int = 0  # warm-up and tail included (compared with the database afterwards)
    reconnects: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU per party inside the window

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def tps(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))  # nearest rank
        return ordered[index]


class Window:
    """The measured interval: [start, end) on time.perf_counter."""

    def __init__(self, warmup_s: float, duration_s: float) -> None:
        now = time.perf_counter()
        self.start = now + warmup_s
        self.end = self.start + duration_s

    def inside(self, t: float) -> bool:
        return self.start <= t < self.end


# --------------------------------------------------------------------------- CPU accounting

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds) of a process from /proc, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    ppid = int(rest[1])
    utime, stime = int(rest[11]), int(rest[12])
    return comm, ppid, (utime + stime) / _CLK_TCK


def cpu_snapshot(server_pid: int | None, db_name: str) -> dict[str, float]:
    """CPU seconds used so far by this process, the server's process tree, the PostgreSQL
    backends connected to the benchmark database, and the whole machine."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    server_tree: set[int] = set()
    if server_pid is not None and server_pid in stats:
        server_tree.add(server_pid)
        grew = True
        while grew:
            grew = False
            for pid, (_, ppid, _) in stats.items():
                if ppid in server_tree and pid not in server_tree:
                    server_tree.add(pid)
                    grew = True
    t = os.times()
    return {
        "client": t.user + t.system,
        "server": sum(stats[p][2] for p in server_tree),
        "postgres": sum(cpu for pid, (comm, _, cpu) in stats.items() if comm.startswith("postgres") and _serves(pid, db_name)),
        "machine": _machine_busy(),
    }


def _serves(pid: int, db_name: str) -> bool:
    """Whether a postgres process is a backend of our database (its title names the database)."""
    try:
        return db_name.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat, idle and iowait excluded)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(fields[:8]) - fields[3] - fields[4]) / _CLK_TCK


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per party over an interval; "other" is everything else on the machine
    (other people's processes: a benchmark on a shared machine is only as quiet as they are)."""
    d = {k: after[k] - before.get(k, 0.0) for k in after}
    machine = d.pop("machine", 0.0)
    d["other"] = max(0.0, machine - sum(d.values()))
    return d


# --------------------------------------------------------------------------- database and CLI helpers


def asyncpg_dsn(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def with_database(url: str, name: str, *, port: int | None = None, host: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None or host is not None:
        creds, _, hostport = netloc.rpartition("@")
        old_host, _, old_port = hostport.partition(":")
        hostport = f"{host or old_host}:{port or old_port or 5432}"
        netloc = f"{creds}@{hostport}" if creds else hostport
    return urlunsplit((parts.scheme, netloc, "/" + name, parts.query, parts.fragment))


def qianbao_command() -> list[str]:
    script = Path(sys.executable).parent / "qianbao"
    if script.exists():
        return [str(script)]
    found = shutil.which("qianbao")
    return [found] if found else [sys.executable, "-m", "api.cli"]


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *qianbao_command(), *args, cwd=PROJECT_ROOT, env=env or os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await proc.communicate()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(), err.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`qianbao serve` as a subprocess in its own session (stopped by process group)."""

    def __init__(self, database_url: str, workers: int, log_dir: Path, label: str) -> None:
        self.database_url, self.workers = database_url, workers
        self.port = free_port()
        self.log_path = log_dir / f"serve-{label}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout_s: float = 60.0) -> None:
        env = os.environ.copy()
        env["QIANBAO_TOKEN_TTL_S"] = "3600"
        # One partner sends everything here: lift the per-partner API rate limit so the run
        # measures the posting path, not the limiter (whose own cost is still paid).
        env.setdefault("QIANBAO_RATE_LIMIT_RPS", "1000000")
        env.setdefault("QIANBAO_RATE_LIMIT_BURST", "1000000")
        env.setdefault("QIANBAO_ENV", "development")
        log = open(self.log_path, "wb")
        self.proc = await asyncio.create_subprocess_exec(
            *qianbao_command(), "serve", "--workers", str(self.workers), "--database-url", self.database_url,
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        conn = HttpConnection("127.0.0.1", self.port)
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(f"qianbao serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = await conn.request("GET", "/readyz")
                if status == 200:
                    break
            except (OSError, asyncio.IncompleteReadError, HttpError, ValueError):
                conn.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"qianbao serve not ready after {timeout_s:.0f} s:\n{self.log_tail()}")
            await asyncio.sleep(0.2)
        conn.close()
        # Every worker must be up, not only the first to answer: give the others a moment.
        await asyncio.sleep(1.0 if self.workers > 1 else 0.0)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # our own process group only
            await proc.wait()


# --------------------------------------------------------------------------- set-up


@dataclass
class Setup:
    partner_id: uuid.UUID
    token: str
    api_wallets: list[str]  # GraphQL global IDs
    base_wallets: list[tuple[uuid.UUID, int]]  # (wallet id, account id), for raw SQL


async def get_token(port: int, client_id: str, client_secret: str) -> str:
    conn = HttpConnection("127.0.0.1", port)
    form = f"grant_type=client_credentials&client_id={quote(client_id)}&client_secret={quote(client_secret)}"
    status, body = await conn.request(
        "POST", "/oauth/token", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    conn.close()
    if status != 200:
        raise RuntimeError(f"POST /oauth/token answered {status}: {body[:300]!r}")
    return json.loads(body)["access_token"]


async def seed_wallets(port: int, token: str, count: int, prefix: str, concurrency: int = 8) -> list[str]:
    """`count` CNY wallets with SEED_BALANCE each, made through the API; returns their global IDs."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    ids: dict[int, str] = {}

    async def worker() -> None:
        session = GraphQLSession("127.0.0.1", port, token)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                customer = await session.payload(
                    "customerCreate",
                    "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
                    " customer { id } userErrors { code message field } } }",
                    {"input": {"externalRef": f"{prefix}-{i:04d}", "kind": "INDIVIDUAL",
                               "displayName": f"Bench {prefix} {i}", "country": "CN"}},
                )
                wallet = await session.payload(
                    "walletOpen",
                    "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
                    " wallet { id } userErrors { code message field } } }",
                    {"input": {"customerId": customer["customer"]["id"], "currency": CURRENCY}},
                )
                wallet_id = wallet["wallet"]["id"]
                await session.payload(
                    "walletTopUp",
                    "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input) {"
                    " transaction { id } userErrors { code message field } } }",
                    {"input": {"walletId": wallet_id, "amount": SEED_BALANCE, "idempotencyKey": f"seed-{prefix}-{i}"}},
                )
                ids[i] = wallet_id
        finally:
            session.conn.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return [ids[i] for i in range(count)]


async def baseline_wallets(dsn: str, partner_id: uuid.UUID, prefix: str) -> list[tuple[uuid.UUID, int]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT w.id, w.account_id FROM wallet w JOIN customer c ON c.id = w.customer_id"
            " WHERE w.partner_id = $1 AND c.external_ref LIKE $2 ORDER BY c.external_ref",
            partner_id, prefix + "-%",
        )
    finally:
        await conn.close()
    return [(row["id"], row["account_id"]) for row in rows]


# --------------------------------------------------------------------------- API run


def _classify(status: int, body: bytes) -> str | None:
    """None for a successful transfer, else a short error label."""
    if status != 200:
        return f"HTTP {status}"
    try:
        data = json.loads(body)
    except ValueError:
        return "invalid JSON"
    if data.get("errors"):
        error = data["errors"][0]
        return "GraphQL " + str((error.get("extensions") or {}).get("code") or error.get("message", "?"))[:60]
    payload = (data.get("data") or {}).get("transferCreate") or {}
    if payload.get("userErrors"):
        return "userError " + str(payload["userErrors"][0].get("code"))
    if not payload.get("transaction"):
        return "no transaction"
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
                    error = _classify(status, payload)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError) as exc:
                    error = f"transport {type(exc).__name__}"
                    conn.close()
                    await asyncio.sleep(0.05)
                done = time.perf_counter()
                if error is None:
                    result.successes_total += 1
                if window.inside(done):
                    if error is None:
                        result.latencies_ms.append((done - started) * 1000)
                    else:
                        result.errors[error] += 1
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


# --------------------------------------------------------------------------- baseline run

SQL_IDEMPOTENCY = (
    "INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
    " VALUES ($1, $2, $3, 'transferCreate', $4, now())"
)
SQL_LOCK = (
    "SELECT w.id AS wallet_id, w.status, w.currency, a.id AS account_id, a.balance_minor, a.held_minor"
    " FROM wallet w JOIN account a ON a.id = w.account_id"
    " WHERE w.partner_id = $1 AND w.id IN ($2, $3) ORDER BY a.id FOR UPDATE"
)
SQL_BALANCES = (
    "UPDATE account SET balance_minor = balance_minor + CASE id WHEN $1 THEN $2::bigint WHEN $3 THEN $4::bigint"
    " ELSE 0 END WHERE id IN ($1, $3)"
)
SQL_TRANSACTION = (
    "INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
    " from_wallet_id, to_wallet_id, memo, idempotency_key, created_at)"
    " VALUES ($1, $2, 'TRANSFER', 'POSTED', $3, $4, 0, $5, $6, NULL, $7, now())"
)
SQL_ENTRIES = (
    "INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5, now()), ($1, $6, $7, $4, $5, now())"
)


class BaselineRefused(Exception):
    pass


async def baseline_transfer(conn: asyncpg.Connection, partner_id: uuid.UUID, source: tuple[uuid.UUID, int],
                            target: tuple[uuid.UUID, int], amount_minor: int, key: str) -> None:
    """One transfer as raw SQL: the same rows and locks as the posting engine writes."""
    transaction_id = uuid7()  # time-ordered, like the app's ids (same index behaviour)
    fingerprint = hashlib.sha256(f"{source[0]}|{target[0]}|{amount_minor}|{key}".encode()).hexdigest()
    async with conn.transaction():
        await conn.execute(SQL_IDEMPOTENCY, partner_id, key, fingerprint, transaction_id)
        rows = await conn.fetch(SQL_LOCK, partner_id, source[0], target[0])
        locked = {row["wallet_id"]: row for row in rows}
        src, dst = locked.get(source[0]), locked.get(target[0])
        if src is None or dst is None or src["status"] != "ACTIVE" or dst["status"] != "ACTIVE":
            raise BaselineRefused("wallet missing or not active")
        if src["currency"] != dst["currency"]:
            raise BaselineRefused("currency mismatch")
        if amount_minor > src["balance_minor"] - src["held_minor"]:
            raise BaselineRefused("insufficient funds")
        await conn.execute(SQL_BALANCES, src["account_id"], -amount_minor, dst["account_id"], amount_minor)
        await conn.execute(
            SQL_TRANSACTION, transaction_id, partner_id, src["currency"], amount_minor, source[0], target[0], key
        )
        await conn.execute(
            SQL_ENTRIES, transaction_id, src["account_id"], -amount_minor, src["currency"], partner_id,
            dst["account_id"], amount_minor,
        )


async def baseline_run(dsn: str, partner_id: uuid.UUID, wallets: list[tuple[uuid.UUID, int]], clients: int,
                       warmup_s: float, duration_s: float, run_tag: str, db_name: str) -> RunResult:
    result = RunResult("baseline (asyncpg)")
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    n = len(wallets)
    try:
        window = Window(warmup_s, duration_s)

        async def client(index: int) -> None:
            rnd = random.Random(f"{run_tag}-base-{index}")
            seq = 0
            async with pool.acquire() as conn:  # held for the whole run: one connection per client
                while time.perf_counter() < window.end:
                    a, b = rnd.sample(range(n), 2)
                    seq += 1
                    started = time.perf_counter()
                    error = None
                    try:
                        await baseline_transfer(conn, partner_id, wallets[a], wallets[b], rnd.randint(1, 99),
                                                f"{run_tag}-b{index}-{seq}")
                    except (asyncpg.PostgresError, BaselineRefused) as exc:
                        error = type(exc).__name__
                    done = time.perf_counter()
                    if error is None:
                        result.successes_total += 1
                    if window.inside(done):
                        if error is None:
                            result.latencies_ms.append((done - started) * 1000)
                        else:
                            result.errors[error] += 1

        tasks = [asyncio.create_task(client(i)) for i in range(clients)]
        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        cpu_before = cpu_snapshot(None, db_name)
        await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
        cpu_after = cpu_snapshot(None, db_name)
        await asyncio.gather(*tasks)
        result.duration_s = duration_s
        result.cpu = cpu_delta(cpu_before, cpu_after)
        result.cpu.pop("server", None)
    finally:
        await pool.close()
    return result


# --------------------------------------------------------------------------- SQL round-trip counter


class PgWireCounter:
    """A TCP relay to PostgreSQL that counts what clients send, per wire-protocol message.

    Round trips are counted as Sync ('S') plus simple Query ('Q') messages (each
    makes the client wait for the server), and cross-checked by counting the
    times a client starts sending again after the server has answered. The SQL
    of each Parse/Query is recorded so one transfer's statements can be listed.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.counts: Counter = Counter()
        self.trace: list[str] | None = None
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    def snapshot(self) -> Counter:
        return Counter(self.counts)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        state = {"last": "server", "statements": {}}

        async def server_to_client() -> None:
            try:
                while data := await server_r.read(65536):
                    state["last"] = "server"
                    client_w.write(data)
                    await client_w.drain()
            finally:
                client_w.close()

        async def client_to_server() -> None:
            try:
                await self._pump_client(client_r, server_w, state)
            finally:
                server_w.close()

        with contextlib.suppress(Exception):
            await asyncio.gather(server_to_client(), client_to_server())

    async def _pump_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict) -> None:
        # Untyped start-up messages first (SSLRequest / GSSENCRequest, then StartupMessage).
        while True:
            head = await reader.readexactly(8)
            length, code = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
            rest = await reader.readexactly(length - 8)
            writer.write(head + rest)
            await writer.drain()
            if code not in (80877103, 80877104):  # not SSL/GSSENC negotiation: that was the StartupMessage
                break
        statements: dict[bytes, str] = state["statements"]
        while True:
            head = await reader.readexactly(5)
            kind, length = chr(head[0]), int.from_bytes(head[1:], "big")
            body = await reader.readexactly(length - 4)
            if state["last"] == "server":
                self.counts["flips"] += 1
                state["last"] = "client"
            self.counts[kind] += 1
            if kind == "Q":
                self._trace("Q " + body[:-1].decode(errors="replace"))
            elif kind == "P":
                name, _, rest = body.partition(b"\0")
                sql = rest.partition(b"\0")[0].decode(errors="replace")
                statements[name] = sql
                self._trace("P " + sql)
            elif kind == "B":
                _portal, _, rest = body.partition(b"\0")
                name = rest.partition(b"\0")[0]
                self._trace("B " + statements.get(name, f"<statement {name!r}>"))
            elif kind == "S":
                self._trace("S")
            writer.write(head + body)
            await writer.drain()

    def _trace(self, line: str) -> None:
        if self.trace is not None:
            self.trace.append(line)


ROUND_TRIP_SAMPLES = 100
ROUND_TRIP_WARMUP = 20
# Transfers the round-trip count makes: warm-up, one traced, then the samples; for the API and the baseline.
ROUND_TRIP_TRANSFERS = 2 * (ROUND_TRIP_WARMUP + 1 + ROUND_TRIP_SAMPLES)


@dataclass
class RoundTrips:
    per_transfer: float
    flips_per_transfer: float
    parses_per_transfer: float
    statements_per_transfer: float
    trace: list[str]


def _round_trips(before: Counter, after: Counter, n: int, trace: list[str]) -> RoundTrips:
    d = after - before
    return RoundTrips(
        per_transfer=(d["S"] + d["Q"]) / n,
        flips_per_transfer=d["flips"] / n,
        parses_per_transfer=d["P"] / n,
        statements_per_transfer=(d["E"] + d["Q"]) / n,
        trace=trace,
    )


async def count_round_trips(base_url: str, db_name: str, setup: Setup, log_dir: Path, run_tag: str,
                            samples: int = ROUND_TRIP_SAMPLES) -> tuple[RoundTrips, RoundTrips]:
    parts = urlsplit(base_url)
    counter = PgWireCounter(parts.hostname or "127.0.0.1", parts.port or 5432)
    port = await counter.start()
    proxied_url = with_database(base_url, db_name, host="127.0.0.1", port=port)
    server = Server(proxied_url, 1, log_dir, "roundtrips")
    try:
        await server.start()
        session = GraphQLSession("127.0.0.1", server.port, setup.token)
        wallets = setup.api_wallets

        async def transfer(i: int) -> None:
            data = await session.call(TRANSFER_MUTATION, {"input": {
                "fromWalletId": wallets[i % len(wallets)], "toWalletId": wallets[(i + 1) % len(wallets)],
                "amount": "0.01", "idempotencyKey": f"{run_tag}-rt-{i}"}})
            if data["transferCreate"]["userErrors"]:
                raise RuntimeError(f"round-trip transfer refused: {data}")

        for i in range(ROUND_TRIP_WARMUP):  # warm the statement caches
            await transfer(i)
        counter.trace = []
        await transfer(ROUND_TRIP_WARMUP)
        trace, counter.trace = counter.trace, None
        before = counter.snapshot()
        for i in range(ROUND_TRIP_WARMUP + 1, ROUND_TRIP_WARMUP + 1 + samples):
            await transfer(i)
        api = _round_trips(before, counter.snapshot(), samples, trace)
        session.conn.close()
    finally:
        await server.stop()

    conn = await asyncpg.connect(asyncpg_dsn(proxied_url))
    try:
        bw = setup.base_wallets
        for i in range(ROUND_TRIP_WARMUP):
            await baseline_transfer(conn, setup.partner_id, bw[i % len(bw)], bw[(i + 1) % len(bw)], 1, f"{run_tag}-rtb-{i}")
        counter.trace = []
        await baseline_transfer(conn, setup.partner_id, bw[0], bw[1], 1, f"{run_tag}-rtb-{ROUND_TRIP_WARMUP}")
        trace, counter.trace = counter.trace, None
        before = counter.snapshot()
        for i in range(ROUND_TRIP_WARMUP + 1, ROUND_TRIP_WARMUP + 1 + samples):
            await baseline_transfer(conn, setup.partner_id, bw[i % len(bw)], bw[(i + 1) % len(bw)], 1, f"{run_tag}-rtb-{i}")
        base = _round_trips(before, counter.snapshot(), samples, trace)
    finally:
        await conn.close()
        await counter.close()
    return api, base


# --------------------------------------------------------------------------- report


def print_report(args: argparse.Namespace, api: RunResult, base: RunResult, rt: tuple[RoundTrips, RoundTrips] | None,
                 api_rounds: list[RunResult], base_rounds: list[RunResult]) -> float:
    ratio = api.tps / base.tps if base.tps else float("nan")
    rounds = f" x {len(api_rounds)} alternating rounds" if len(api_rounds) > 1 else ""
    print()
    print(f"Qianbao transfers: {args.duration:g} s measured{rounds} after {args.warmup:g} s warm-up, {args.clients} clients,"
          f" {args.wallets} wallets per run, {os.cpu_count()} CPUs")
    print(f"{'':22} {'transfers/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'ok':>8} {'errors':>7}   CPU (s per s)")
    for r in (api, base):
        cpu = "  ".join(f"{k} {v / r.duration_s:.2f}" for k, v in r.cpu.items())
        print(f"{r.name:22} {r.tps:12.1f} {r.percentile(50):8.2f} {r.percentile(99):8.2f} {r.ok:8d}"
              f" {sum(r.errors.values()):7d}   {cpu}")
    # CPU per transfer is steadier than transfers/s when others share the machine: it says
    # what the 2 cores could do if they were ours (client + server + PostgreSQL per transfer).
    per = {}
    for r in (api, base):
        per[r.name] = {k: 1000 * v / r.ok for k, v in r.cpu.items() if k != "other"} if r.ok else {}
    print("CPU ms per transfer:   " + "   ".join(
        f"{name.split()[0]}: " + ", ".join(f"{k} {v:.2f}" for k, v in costs.items()) + f" (sum {sum(costs.values()):.2f})"
        for name, costs in per.items()))
    costs = [sum(c.values()) for c in per.values()]
    if all(costs):
        print(f"{'CPU-cost ratio':22} {costs[1] / costs[0]:12.2f}   (baseline CPU per transfer / API CPU per transfer:"
              " the ratio to expect on an otherwise idle machine)")
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"{'ratio API/baseline':22} {ratio:12.2f}   ({verdict} the target of {TARGET_RATIO})")
    if len(api_rounds) > 1:
        per_round = [a.tps / b.tps if b.tps else float("nan") for a, b in zip(api_rounds, base_rounds)]
        print("per round: API " + " ".join(f"{r.tps:.0f}" for r in api_rounds)
              + " | baseline " + " ".join(f"{r.tps:.0f}" for r in base_rounds)
              + " | ratio " + " ".join(f"{x:.2f}" for x in per_round))
    for r in (api, base):
        if r.errors:
            print(f"errors in {r.name}: " + ", ".join(f"{k} x{v}" for k, v in r.errors.most_common()))
        if r.reconnects:
            print(f"{r.name}: {r.reconnects} reconnects")
    if rt is not None:
        api_rt, base_rt = rt
        print(f"SQL round trips per transfer: API {api_rt.per_transfer:.2f} (statements {api_rt.statements_per_transfer:.2f},"
              f" prepares {api_rt.parses_per_transfer:.2f}), baseline {base_rt.per_transfer:.2f}"
              f" (statements {base_rt.statements_per_transfer:.2f}, prepares {base_rt.parses_per_transfer:.2f})")
        if args.show_sql:
            for label, item in (("API", api_rt), ("baseline", base_rt)):
                print(f"  one {label} transfer on the wire:")
                for line in item.trace:
                    if line != "S":
                        line = " ".join(line.split())
                        print("    " + (line if len(line) <= 110 else line[:107] + "..."))
    return ratio


def result_json(api: RunResult, base: RunResult, ratio: float, rt: tuple[RoundTrips, RoundTrips] | None,
                verified: bool, api_rounds: list[RunResult], base_rounds: list[RunResult]) -> dict[str, Any]:
    def one(r: RunResult) -> dict[str, Any]:
        return {"tps": round(r.tps, 1), "p50_ms": round(r.percentile(50), 2), "p99_ms": round(r.percentile(99), 2),
                "ok": r.ok, "errors": dict(r.errors), "cpu_s_per_s": {k: round(v / r.duration_s, 3) for k, v in r.cpu.items()}}
    out = {"api": one(api), "baseline": one(base), "ratio": round(ratio, 3), "ledger_verified": verified,
           "rounds": {"api_tps": [round(r.tps, 1) for r in api_rounds],
                      "baseline_tps": [round(r.tps, 1) for r in base_rounds]}}
    if rt is not None:
        out["round_trips_per_transfer"] = {"api": rt[0].per_transfer, "baseline": rt[1].per_transfer}
    return out


# --------------------------------------------------------------------------- main


async def checkpoint(dsn: str, *, vacuum: bool = False) -> None:
    """Flush dirty pages now, so that no run pays for the previous one's checkpoint."""
    conn = await asyncpg.connect(dsn)
    try:
        if vacuum:
            await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def merge_runs(runs: list[RunResult]) -> RunResult:
    merged = RunResult(runs[0].name)
    for r in runs:
        merged.duration_s += r.duration_s
        merged.latencies_ms += r.latencies_ms
        merged.errors.update(r.errors)
        merged.successes_total += r.successes_total
        merged.reconnects += r.reconnects
        for k, v in r.cpu.items():
            merged.cpu[k] = merged.cpu.get(k, 0.0) + v
    return merged


async def main(args: argparse.Namespace) -> int:
    base_url = args.database_url_base
    admin_dsn = asyncpg_dsn(base_url)
    db_name = f"qianbao_bench_{secrets.token_hex(4)}"
    db_url = with_database(base_url, db_name)
    db_dsn = asyncpg_dsn(db_url)
    run_tag = secrets.token_hex(3)
    log_dir = Path(tempfile.mkdtemp(prefix="qianbao-bench-"))
    created = False
    server: Server | None = None
    try:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{db_name}"')
            created = True
        finally:
            await admin.close()
        print(f"database {db_name} created; logs in {log_dir}", flush=True)

        code, out, err = await run_cli("migrate", "--database-url", db_url)
        if code != 0:
            raise RuntimeError(f"qianbao migrate failed ({code}): {err or out}")
        code, out, err = await run_cli("partner", "create", "--name", "bench", "--json", "--database-url", db_url)
        if code != 0:
            raise RuntimeError(f"qianbao partner create failed ({code}): {err or out}")
        partner = json.loads(out.strip().splitlines()[-1])

        server = Server(db_url, args.server_workers, log_dir, "api")
        await server.start()
        print(f"qianbao serve --workers {args.server_workers} ready on port {server.port} (pid {server.proc.pid})", flush=True)
        token = await get_token(server.port, partner["client_id"], partner["client_secret"])
        t0 = time.perf_counter()
        api_wallets = await seed_wallets(server.port, token, args.wallets, "api")
        await seed_wallets(server.port, token, args.wallets, "base")
        partner_id = uuid.UUID(partner["partner_id"])
        setup = Setup(partner_id, token, api_wallets, await baseline_wallets(db_dsn, partner_id, "base"))
        print(f"seeded 2 x {args.wallets} wallets through GraphQL in {time.perf_counter() - t0:.1f} s", flush=True)

        await checkpoint(db_dsn, vacuum=True)

        api_rounds: list[RunResult] = []
        base_rounds: list[RunResult] = []
        for round_no in range(1, args.rounds + 1):
            tag = f"{run_tag}r{round_no}"
            label = f" (round {round_no}/{args.rounds})" if args.rounds > 1 else ""
            if server is None:
                server = Server(db_url, args.server_workers, log_dir, f"api-{round_no}")
                await server.start()
            print(f"API run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...", flush=True)
            api_rounds.append(await api_run(server.port, token, api_wallets, args.clients, args.warmup, args.duration,
                                            server.proc.pid if server.proc else None, tag, db_name))
            # The baseline gets the machine to itself: no server process, nothing left from the API run.
            await server.stop()
            server = None
            await checkpoint(db_dsn)
            print(f"baseline run{label}: {args.clients} asyncpg connections, {args.warmup:g} s warm-up"
                  f" + {args.duration:g} s ...", flush=True)
            base_rounds.append(await baseline_run(db_dsn, partner_id, setup.base_wallets, args.clients, args.warmup,
                                                  args.duration, tag, db_name))
            await checkpoint(db_dsn)
        api, base = merge_runs(api_rounds), merge_runs(base_rounds)

        rt = None
        rt_failed = False
        if not args.no_round_trips:
            print("counting SQL round trips per transfer ...", flush=True)
            try:
                rt = await count_round_trips(base_url, db_name, setup, log_dir, run_tag)
            except Exception as exc:  # noqa: BLE001 - the runs are done: report them anyway
                rt_failed = True
                print(f"could not count round trips: {type(exc).__name__}: {exc}", file=sys.stderr)

        ratio = print_report(args, api, base, rt, api_rounds, base_rounds)

        # The database must hold exactly the transfers the clients saw succeed.
        check = await asyncpg.connect(db_dsn)
        try:
            stored = await check.fetchval("SELECT COUNT(*) FROM ledger_transaction WHERE kind = 'TRANSFER'")
        finally:
            await check.close()
        expected = api.successes_total + base.successes_total + (ROUND_TRIP_TRANSFERS if rt is not None else 0)
        if rt_failed:  # an unknown number of the round-trip transfers went through
            consistent = True
            print(f"transfers stored: {stored} (not compared: the round-trip count stopped part way)")
        else:
            consistent = stored == expected
            print(f"transfers stored: {stored}, successes seen by the clients: {expected}"
                  f" ({'match' if consistent else 'MISMATCH'})")

        code, out, err = await run_cli("ledger", "verify", "--database-url", db_url)
        print("qianbao ledger verify: " + " / ".join(line for line in (out + err).strip().splitlines()[:12]))
        verified = code == 0 and consistent
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result_json(api, base, ratio, rt, verified, api_rounds, base_rounds), indent=2) + "\n")
        if not verified:
            print("LEDGER DOES NOT VERIFY", file=sys.stderr)
            return 1
        if args.fail_under is not None and not ratio >= args.fail_under:
            print(f"ratio {ratio:.2f} is below --fail-under {args.fail_under}", file=sys.stderr)
            return 1
        return 0
    except Exception as exc:  # noqa: BLE001 - one readable line; the server logs say more
        print(f"benchmark failed: {type(exc).__name__}: {exc}\n(server logs in {log_dir})", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            await server.stop()
        if created and not args.keep_db:
            try:
                admin = await asyncpg.connect(admin_dsn)
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
                finally:
                    await admin.close()
                print(f"database {db_name} dropped")
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop database {db_name}: {exc}", file=sys.stderr)
        elif created:
            print(f"database kept: {db_url}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each run (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients / connections (default 16)")
    parser.add_argument("--wallets", type=int, default=50, help="wallets per run (default 50)")
    parser.add_argument(
        "--database-url-base",
        default=os.environ.get("QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL URL whose database is used to create and drop the benchmark database",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database")
    parser.add_argument("--server-workers", type=int, default=2, help="qianbao serve --workers (default 2)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate API and baseline runs this many times and pool the figures (default 1);"
                             " use 3 or more on a machine others are using")
    parser.add_argument("--no-round-trips", action="store_true", help="skip counting SQL round trips per transfer")
    parser.add_argument("--show-sql", action="store_true", help="list the statements of one transfer on the wire")
    parser.add_argument("--json-out", help="also write the figures to this JSON file")
    parser.add_argument("--fail-under", type=float, default=None, help="exit 1 when API/baseline is below this ratio")
    args = parser.parse_args(argv)
    if args.wallets < 2 or args.clients < 1 or args.duration <= 0 or args.warmup < 0 or args.rounds < 1:
        parser.error("need --wallets >= 2, --clients >= 1, --duration > 0, --warmup >= 0, --rounds >= 1")
    return args


def entry() -> int:
    args = parse_args()
    try:
        import uvloop  # the load generator must stay cheap: it shares the cores with the server
    except ImportError:
        uvloop = None
    try:
        return uvloop.run(main(args)) if uvloop is not None else asyncio.run(main(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(entry())
