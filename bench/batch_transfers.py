#!/usr/bin/env python3
"""Transfers per second through transfersCreate (batches of --batch) against transferCreate (one per request), one run.

PostgreSQL, compliance on with its defaults, the rate limiter off by its documented setting (the bench server's
QIANBAO_RATE_LIMIT_RPS/BURST, as bench/transfers.py sets them):
  1. a fresh database (dropped at the end unless --keep-db), migrations, a partner, `qianbao serve --workers 2`;
  2. --wallets funded CNY wallets seeded through GraphQL (bench/transfer_bench/prepare.py);
  3. single run: --clients keep-alive connections sending transferCreate between random distinct wallets
     (bench/transfer_bench/api_run.py), --warmup then --duration seconds;
  4. batch run on a fresh server: --clients connections each sending transfersCreate with --batch random transfers
     per request (--payout: each client pays from its own wallet); every item must come back with a transaction
     and no userErrors;
  5. prints transfers/s for both, the ratio batch/single, p50/p99 per request, what PostgreSQL did in the batch
     window (seq scans per table, costliest statements: transfer_bench/pg_stats.py), then checks that the database holds
     exactly the transfers the clients saw succeed and that `qianbao ledger verify` passes.

Usage (project venv active):  python bench/batch_transfers.py [--clients 8] [--batch 100] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from transfer_bench import api_run, database, path_runs, prepare, server, verify  # noqa: E402
from transfer_bench.pg_stats import print_activity  # noqa: E402


async def main(args: argparse.Namespace) -> int:
    """Create, seed, run single then batch, verify, drop."""
    admin_dsn = database.asyncpg_dsn(args.database_url_base)
    db_name = f"qianbao_bench_{secrets.token_hex(4)}"
    db_url = database.with_database(args.database_url_base, db_name)
    db_dsn = database.asyncpg_dsn(db_url)
    tag = secrets.token_hex(3)
    log_dir = Path(tempfile.mkdtemp(prefix="qianbao-bench-"))
    import asyncpg

    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    srv = None
    try:
        partner = await prepare.migrate_and_create_partner(db_url)
        await prepare.add_compliance_pack(db_dsn)
        srv = server.Server(db_url, args.server_workers, log_dir, "single")
        await srv.start()
        token = await prepare.get_token(srv.port, partner["client_id"], partner["client_secret"])
        from schema.common.relay import global_id_to_uuid

        setup = await prepare.seed_both_halves(srv.port, token, global_id_to_uuid(partner["partner_id"], "Partner"),
                                               db_dsn, args.wallets)
        await database.checkpoint(db_dsn, vacuum=True)
        print(f"database {db_name}: {len(setup.api_wallets)} wallets; single run {args.clients} clients,"
              f" {args.warmup:g} s + {args.duration:g} s ...", flush=True)
        single = await api_run.api_run(srv.port, token, setup.api_wallets, args.clients, args.warmup, args.duration,
                                       srv.proc.pid if srv.proc else None, tag, db_name)
        await srv.stop()
        await database.checkpoint(db_dsn)
        srv = server.Server(db_url, args.server_workers, log_dir, "batch")
        await srv.start()
        print(f"batch run: {args.clients} clients, {args.batch} transfers a request ...", flush=True)
        # The same client loop as every other run (api_run.run_ops), with --all-paths' batch operation: units are
        # the items posted inside the window, latency is per request.
        batched = await api_run.run_ops(f"API (transfersCreate x{args.batch})", srv.port,
                                        path_runs.batch(token, setup.api_wallets, args.batch, tag, args.payout),
                                        args.clients,
                                        args.warmup, args.duration, srv.proc.pid if srv.proc else None, tag, db_name,
                                        dsn=db_dsn)
        await srv.stop()
        srv = None
        items, batch_tps = batched.units, batched.rate
        print(f"\n{'run':28} {'transfers/s':>12} {'p50 ms':>8} {'p99 ms':>8}  errors")
        print(f"{'transferCreate':28} {single.tps:12.1f} {single.percentile(50):8.1f} {single.percentile(99):8.1f}"
              f"  {dict(single.errors) or '-'}")
        print(f"{'transfersCreate x' + str(args.batch):28} {batch_tps:12.1f} {batched.percentile(50):8.1f}"
              f" {batched.percentile(99):8.1f}  {dict(batched.errors) or '-'}  (per request)")
        for name, r, units in (("transferCreate", single, single.ok), (f"transfersCreate x{args.batch}", batched, items)):
            if units:  # CPU per transfer: steadier than the rate when others share the machine
                print(f"CPU ms per transfer, {name}: " + ", ".join(
                    f"{k} {1000 * v / units:.2f}" for k, v in r.cpu.items() if k != "other"))
        print(f"\nbatch / single: {batch_tps / single.tps:.2f}x (target: >= 5,000 transfers/s through the batch)")
        print_activity([(f"transfersCreate x{args.batch}", batched.pg, items)])
        expected = single.successes_total + batched.successes_total
        ok = await verify.check_ledger(db_dsn, db_url, expected, compare=True)
        return 0 if ok else 1
    finally:
        if srv is not None:
            await srv.stop()
        if not args.keep_db:
            await database.drop_database(admin_dsn, db_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url-base", default=os.environ.get(
        "QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--payout", action="store_true",
                        help="each client's batches are payouts from its own wallet (one payer, random payees)")
    sys.exit(asyncio.run(main(parser.parse_args())))
