#!/usr/bin/env python3
"""spendingInsights on a large history: how long the one insights statement takes for a customer with many payments.

PostgreSQL (the target; SQLite works too for a smoke run with --database-url sqlite://...):
- a fresh database `qianbao_bench_<random>` on `--database-url-base` (default postgres://postgres@127.0.0.1:5432/test,
  or QIANBAO_BENCH_DATABASE_URL), migrated, dropped at the end unless --keep-db;
- one partner, `--customers` customers with one CNY wallet each, `--merchants` merchants over 10 categories, made
  through the real services;
- `--payments` (default 1,000,000) payments written directly by SQL with generate_series (one ledger_transaction row
  each, POSTED but 1 in 1,000 HELD, 1 in 20 half refunded), spread over the last 3 years; `--heavy` of them
  (default 200,000) belong to one customer (the large history), the rest round-robin to the others;
- VACUUM ANALYZE (as autovacuum would, so index-only scans see an up-to-date visibility map);
- the insights of the heavy customer over the last `--days` days (default 365; so 2 x 365 days are read, the
  previous period included), run `--runs` times (default 7) after one warm-up: median and min/max in ms;
- EXPLAIN (ANALYZE, BUFFERS) of the statement.

Usage (project venv active):  python bench/insights.py [--payments 1000000] [--heavy 200000] [--days 365]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MCCS = ["5812", "5411", "4511", "4722", "5311", "5541", "5999", "7011", "5732", "4121"]


async def _world(customers: int, merchants: int) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID], uuid.UUID]:
    """(partner id, wallet ids, merchant ids, heavy customer id), through the real services."""
    from auth.principal import Principal
    from auth.scopes import PARTNER_SCOPES
    from services.customers import create_customer
    from services.merchants.onboarding import create_merchant
    from services.partners.onboarding import create_partner
    from services.wallets import open_wallet
    from tests.factories import grant_tier

    created = await create_partner(name=f"bench-insights-{uuid.uuid4().hex[:6]}")
    partner = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                        scopes=frozenset(PARTNER_SCOPES))
    wallets, customer_ids = [], []
    for n in range(customers):
        customer = await create_customer(principal=partner, external_ref=f"bench-{n}", kind="INDIVIDUAL",
                                         display_name=f"Bench {n}", country="CN")
        await grant_tier(customer.id, 3)
        wallets.append((await open_wallet(principal=partner, customer_id=customer.id, currency="CNY")).id)
        customer_ids.append(customer.id)
    merchant_ids = []
    for n in range(merchants):
        owner = await create_customer(principal=partner, external_ref=f"shop-{n}", kind="BUSINESS",
                                      display_name=f"Shop {n}", country="CN")
        await grant_tier(owner.id, 3)
        settle = await open_wallet(principal=partner, customer_id=owner.id, currency="CNY")
        merchant = await create_merchant(principal=partner, customer_id=owner.id, settlement_wallet_id=settle.id,
                                         display_name=f"Shop {n}", mcc=MCCS[n % len(MCCS)], city="Shanghai",
                                         country="CN")
        merchant_ids.append(merchant.id)
    return created.partner.id, wallets, merchant_ids, customer_ids[0]


def _array(ids: list[uuid.UUID]) -> str:
    """A PostgreSQL uuid[] literal."""
    return "ARRAY[" + ",".join(f"'{i}'::uuid" for i in ids) + "]"


async def _load_pg(partner_id: uuid.UUID, wallets: list[uuid.UUID], merchants: list[uuid.UUID], total: int,
                   heavy: int) -> float:
    """Write `total` payments (and their transactions) by generate_series; seconds taken."""
    from tortoise import connections

    conn = connections.get("default")
    others = max(1, len(wallets) - 1)
    # g <= heavy: the heavy customer's (wallets[1] in SQL, 1-based); the rest round-robin over the others.
    wallet = (f"(CASE WHEN g <= {heavy} THEN ({_array(wallets)})[1]"
              f" ELSE ({_array(wallets)})[2 + (g % {others})] END)")
    merchant = f"({_array(merchants)})[1 + (g * 31 % {len(merchants)})]"
    amount = "(100 + (g * 7919) % 50000)"
    at = "(now() - make_interval(mins => (g * 7 % (3 * 365 * 24 * 60))::int))"
    started = time.perf_counter()
    await conn.execute_script(
        "INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
        " idempotency_key, created_at, hold_minor)"
        f" SELECT md5('t' || g)::uuid, '{partner_id}', 'PAYMENT', CASE WHEN g % 1000 = 0 THEN 'HELD' ELSE 'POSTED' END,"
        f" 'CNY', {amount}, 0, 'bench-' || g, {at}, 0 FROM generate_series(1::bigint, {total}) g;"
        "INSERT INTO payment (id, partner_id, merchant_partner_id, merchant_id, transaction_id, payer_wallet_id,"
        " amount_minor, currency, refunded_minor, created_at)"
        f" SELECT md5('p' || g)::uuid, '{partner_id}', '{partner_id}', {merchant}, md5('t' || g)::uuid, {wallet},"
        f" {amount}, 'CNY', CASE WHEN g % 20 = 0 THEN {amount} / 2 ELSE 0 END, {at}"
        f" FROM generate_series(1::bigint, {total}) g;"
    )
    for table in ("ledger_transaction", "payment", "merchant", "wallet"):
        await conn.execute_script(f"VACUUM ANALYZE {table}")  # one statement each: VACUUM refuses a transaction
    return time.perf_counter() - started


async def _heaviest() -> uuid.UUID:
    """The customer with the most payments."""
    from tortoise import connections

    from services.db.sql import as_uuid, fetch

    rows = await fetch(connections.get("default"), "SELECT w.customer_id FROM payment p JOIN wallet w"
                       " ON w.id = p.payer_wallet_id GROUP BY w.customer_id ORDER BY COUNT(*) DESC LIMIT 1", [])
    return as_uuid(rows[0]["customer_id"])


async def _explain(customer_id: uuid.UUID, start, end, previous) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the insights statement."""
    from tortoise import connections

    from services.db.sql import fetch
    from services.insights.spending import _statement

    conn = connections.get("default")
    rows = await fetch(conn, "EXPLAIN (ANALYZE, BUFFERS) " + _statement(True), [customer_id, previous, end, start])
    return "\n".join(row["QUERY PLAN"] for row in rows)


async def main(args: argparse.Namespace) -> None:
    """Create, load, time, explain, drop."""
    import asyncpg

    from api.db import apply_migrations, asyncpg_dsn, close_orm, init_orm
    from services import clock
    from services.insights.spending import checked_period, customer_insights

    base = args.database_url_base
    name = args.reuse or f"qianbao_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = asyncpg_dsn(base)
    url = base.rsplit("/", 1)[0] + "/" + name
    if not args.reuse:
        admin = await asyncpg.connect(admin_dsn)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
    try:
        if args.reuse:  # a database an earlier --keep-db run loaded: its heavy customer has the most payments
            await init_orm(url)
            heavy_customer = await _heaviest()
            print(f"database {name} (reused)")
        else:
            await apply_migrations(url)
            await init_orm(url)
            partner_id, wallets, merchants, heavy_customer = await _world(args.customers, args.merchants)
            load_s = await _load_pg(partner_id, wallets, merchants, args.payments, args.heavy)
            print(f"database {name}: {args.payments:,} payments ({args.heavy:,} of one customer) written in"
                  f" {load_s:.1f} s")
        end = clock.now()
        start = end - timedelta(days=args.days)
        await customer_insights(heavy_customer, start, end)  # warm-up
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            result = await customer_insights(heavy_customer, start, end)
            times.append((time.perf_counter() - began) * 1000)
        total = result.totals[0]
        print(f"insights of the heavy customer over {args.days} days (+ the previous {args.days}):"
              f" {total.count:,} payments this period, {total.previous_count:,} the previous;"
              f" {len(result.categories)} categories, {len(result.merchants)} merchants, {len(result.months)} months")
        print(f"median {statistics.median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}; {args.runs} runs)")
        _, _, previous = checked_period(start, end)
        print(await _explain(heavy_customer, start, end, previous))
    finally:
        await close_orm()
        if not args.keep_db and not args.reuse:
            admin = await asyncpg.connect(admin_dsn)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url-base", default=os.environ.get(
        "QIANBAO_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--heavy", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--merchants", type=int, default=40)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse", help="time an earlier --keep-db database (its name) instead of loading a new one")
    asyncio.run(main(parser.parse_args()))
