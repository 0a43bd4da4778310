#!/usr/bin/env python3
"""Transfers per second on the embedded default (issue 18 part 8): SQLite, `qianbao serve --workers 1`.

One run:
  1. a fresh SQLite file in a temporary directory, `qianbao migrate`, `qianbao partner create --json`;
  2. the bench's compliance pack stored with SQL (China's tiers and AML rules, VELOCITY at 10,000 a minute: the
     same pack as bench/transfers.py, prepare.add_compliance_pack, so every transfer pays for every compliance step
     without raising an alert on each);
  3. `qianbao serve --workers 1` (rate limiter lifted by its documented settings, as in bench/transfers.py);
     --wallets wallets seeded through GraphQL, their customers approved at Class III;
  4. --clients keep-alive clients send transferCreate between random pairs, back to back, for --warmup unmeasured
     then --duration measured seconds (bench/transfers.py's API run);
  5. the figures: transfers/s, p50/p99, errors by kind (a `database is locked` answered to a client would be
     counted here: the target is none), the server's CPU per transfer; then the TRANSFER rows stored must equal
     the successes the clients saw, and `qianbao ledger verify` must pass.
Exit 1 when a check fails, an error was answered, or the rate is below --fail-under.

Usage (project venv active):  python bench/sqlite_transfers.py [--duration 20] [--fail-under 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: the transfer bench's package
from transfer_bench.api_run import api_run  # noqa: E402
from transfer_bench.prepare import get_token, migrate_and_create_partner, seed_wallets  # noqa: E402
from transfer_bench.server import Server, run_cli  # noqa: E402
from transfer_bench.settings import BENCH_COUNTRY  # noqa: E402


def store_bench_pack(path: Path) -> None:
    """The bench's pack (prepare.add_compliance_pack), written with SQLite's JSON functions."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO compliance_policy (jurisdiction, name, countries, timezone, large_transaction_thresholds,"
            " tiers, aml_rules, version, updated_by, updated_at)"
            " SELECT 'BENCH', 'Bench: China tiers and AML rules, velocity at 10,000 a minute', ?, timezone,"
            " large_transaction_thresholds, tiers,"
            " json_set(aml_rules, '$.VELOCITY.maxCount', 10000, '$.VELOCITY.windowMinutes', 1), 1, 'bench', ?"
            " FROM compliance_policy WHERE jurisdiction = 'CN'",
            (json.dumps([BENCH_COUNTRY]), datetime.now(timezone.utc).isoformat(sep=" ")),
        )


def approve_customers(path: Path) -> None:
    """Every bench customer as if compliance had approved its KYC at the top tier (Class III)."""
    with sqlite3.connect(path, timeout=30) as db:
        db.execute("UPDATE customer SET kyc_status = 'APPROVED', kyc_tier = 3")


def stored_transfers(path: Path) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM ledger_transaction WHERE kind = 'TRANSFER'").fetchone()[0]


async def main(args: argparse.Namespace) -> int:
    """Create, seed, run, check."""
    work = Path(tempfile.mkdtemp(prefix="qianbao-sqlite-bench-"))
    path = work / "bench.sqlite3"
    db_url = f"sqlite://{path}"
    partner = await migrate_and_create_partner(db_url)
    store_bench_pack(path)
    server = Server(db_url, 1, work, "sqlite")
    await server.start()
    try:
        token = await get_token(server.port, partner["client_id"], partner["client_secret"])
        wallets = await seed_wallets(server.port, token, args.wallets, "sq")
        approve_customers(path)
        result = await api_run(server.port, token, wallets, args.clients, args.warmup, args.duration,
                               server.proc.pid, "sqlite", "")
    finally:
        await server.stop()
    server_ms = 1000 * result.cpu.get("server", 0.0) / result.ok if result.ok else 0.0
    other = result.cpu.get("other", 0.0)  # everything on the machine but this client and the server
    print(f"Qianbao on SQLite: qianbao serve --workers 1, {args.clients} keep-alive clients, {args.wallets} wallets,"
          f" {args.warmup:.0f} s warm-up + {args.duration:.0f} s measured")
    print(f"transfers/s {result.tps:.1f}   p50 {result.percentile(50):.2f} ms   p99 {result.percentile(99):.2f} ms"
          f"   ok {result.ok}   errors {sum(result.errors.values())} {dict(result.errors) or ''}")
    print(f"CPU: server {server_ms:.2f} ms per transfer; other processes {other / args.duration:.2f} CPU s per s"
          " (a figure taken while this is large is worth little)")
    stored = stored_transfers(path)
    print(f"transfers stored: {stored}, successes seen by the clients: {result.successes_total}"
          f" ({'match' if stored == result.successes_total else 'MISMATCH'})")
    code, out, err = await run_cli("ledger", "verify", "--database-url", db_url)
    print(f"qianbao ledger verify: {(out or err).strip().splitlines()[-1]}")
    failed = code != 0 or stored != result.successes_total or result.errors
    if args.fail_under is not None and result.tps < args.fail_under:
        print(f"BELOW the target of {args.fail_under:.0f} transfers/s")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients (default 16)")
    parser.add_argument("--wallets", type=int, default=50, help="wallets (default 50)")
    parser.add_argument("--fail-under", type=float, default=None, help="exit 1 below this many transfers/s")
    sys.exit(asyncio.run(main(parser.parse_args())))
