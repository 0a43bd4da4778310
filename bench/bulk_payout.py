#!/usr/bin/env python3
"""How long a bulk payout of --lines lines (default 10,000) takes on PostgreSQL, against the posting engine alone.

One run, in this process (no HTTP: the services are called directly, as the GraphQL resolvers call them):

  1. creates a fresh database `qianbao_bench_<random>` next to --database-url-base (dropped at the end unless
     --keep-db) and migrates it;
  2. seeds one partner, a BUSINESS customer with a funded CNY wallet and --payees payee wallets, all under a
     test-only policy pack without limits (so what is measured is the ledger, not compliance refusals);
  3. **upload**: bulkPayoutCreate's service with a CSV of --lines lines (every line valid, spread over the
     payees): parsing, the beneficiary checks and the insert of the batch and its line report;
  4. **execute**: bulkPayoutExecute's service: every line one TRANSFER through the posting engine, its line
     marked PAID;
  5. **baseline**: --baseline-lines plain transfers (services.ledger.posting.post_transfer, one after another,
     the same wallets and amounts): the engine's own cost per posting, which bounds the bulk run;
  6. prints seconds, lines per second and milliseconds per line for each, the CPU seconds of this process, and
     checks that `qianbao ledger verify` passes and every line is paid once.

Exit status 1 when a check fails, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.transfer_bench.database import with_database  # noqa: E402

DEFAULT_BASE = os.environ.get("QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(payees: int, funds_minor: int):
    """(partner principal, business holder, payee holders), funded."""
    from services.ledger.posting import post_top_up
    from services.money import format_amount
    from tests.factories import UNLIMITED_COUNTRY, ensure_unlimited_pack
    from tests.integration.service_support import holder, new_partner

    await ensure_unlimited_pack()
    partner = await new_partner("bench-bulk")
    business = await holder(partner, country=UNLIMITED_COUNTRY, tier=1, kind="BUSINESS")
    others = [await holder(partner, country=UNLIMITED_COUNTRY, tier=1) for _ in range(payees)]
    await post_top_up(principal=partner, wallet_id=business.wallet_id, amount=format_amount(funds_minor, "CNY"),
                      idempotency_key=f"bench-fund-{uuid.uuid4()}")
    return partner, business, others


async def _run(args: argparse.Namespace) -> int:
    from api.db import apply_migrations, close_orm, init_orm
    from models.bulk_payout import BulkPayoutLine
    from schema.common.relay import parse_global_id, to_global_id
    from services.business.bulk_create import create_bulk_payout
    from services.business.bulk_execute import execute_bulk_payout
    from services.ledger.posting import post_transfer
    from services.ledger.verify import verify_ledger

    name = f"qianbao_bench_{secrets.token_hex(4)}"
    await _admin(args.database_url_base, f'CREATE DATABASE "{name}"')
    url = with_database(args.database_url_base, name)
    failed = False
    try:
        await apply_migrations(url)
        await init_orm(url)
        partner, business, payees = await _seed(args.payees, 100 * (args.lines + args.baseline_lines) + 1)
        rows = [f"{to_global_id('Wallet', payees[n % len(payees)].wallet_id)},1.00,bench line {n}"
                for n in range(args.lines)]
        csv = "beneficiary,amount,reference\n" + "\n".join(rows) + "\n"
        cpu0, t0 = time.process_time(), time.perf_counter()
        batch = await create_bulk_payout(principal=partner, from_wallet_id=business.wallet_id, csv_text=csv,
                                         csv_base64=None, mode="PARTIAL", idempotency_key="bench-upload",
                                         decode_id=parse_global_id)
        upload_s, upload_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        cpu0, t0 = time.process_time(), time.perf_counter()
        done = await execute_bulk_payout(principal=partner, bulk_payout_id=batch.id, idempotency_key="bench-run")
        execute_s, execute_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        cpu0, t0 = time.process_time(), time.perf_counter()
        for n in range(args.baseline_lines):
            await post_transfer(principal=partner, from_wallet_id=business.wallet_id,
                                to_wallet_id=payees[n % len(payees)].wallet_id, amount="1.00",
                                idempotency_key=f"bench-base-{n}", memo=f"bench line {n}")
        base_s, base_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        paid = await BulkPayoutLine.filter(bulk_payout_id=batch.id, status="PAID").count()
        report = await verify_ledger()
        n, b = args.lines, max(args.baseline_lines, 1)
        print(f"database {name}: {n} lines over {args.payees} payees")
        print(f"upload   : {upload_s:7.2f} s ({upload_s / n * 1000:.2f} ms/line, CPU {upload_cpu:.2f} s)")
        print(f"execute  : {execute_s:7.2f} s = {n / execute_s:.0f} lines/s ({execute_s / n * 1000:.2f} ms/line,"
              f" CPU {execute_cpu:.2f} s = {execute_cpu / n * 1000:.2f} ms/line); status {done.status}, {paid} paid")
        print(f"baseline : {args.baseline_lines} post_transfer calls in {base_s:.2f} s"
              f" ({base_s / b * 1000:.2f} ms each, CPU {base_cpu / b * 1000:.2f} ms)")
        print(f"ratio execute/baseline per line: {(execute_s / n) / (base_s / b):.2f}")
        print(f"ledger verify: {'ok' if report.ok else report.problems}")
        failed = not report.ok or paid != n or done.status != "COMPLETED"
    finally:
        await close_orm()
        if not args.keep_db:
            await _admin(args.database_url_base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url-base", default=DEFAULT_BASE)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--payees", type=int, default=50)
    parser.add_argument("--baseline-lines", type=int, default=1_000)
    parser.add_argument("--keep-db", action="store_true")
    return asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
