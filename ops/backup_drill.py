#!/usr/bin/env python3
"""Backup and restore drill (issue 19 item 9): back up a PostgreSQL database under load, restore it into a fresh one,
and prove the copy: `qianbao ledger verify` and `qianbao audit verify` pass on it, and it holds every transfer that
was acknowledged before the backup started.

Steps (README, "Backup and restore"):
1. a fresh database `qianbao_drill_<random>` on `--database-url-base` (default postgres://postgres@127.0.0.1:5432/test,
   or QIANBAO_DRILL_DATABASE_URL), migrated; one partner, `--wallets` funded wallets, through the real services;
2. `--writers` concurrent writers post transfers through the posting engine for `--warmup` seconds, each
   acknowledged transfer's id kept;
3. the ids acknowledged so far are set aside, then `pg_dump --format=custom` runs while the writers go on (and for
   `--after` seconds more): the backup is taken under load;
4. `pg_restore` into a second fresh database, `qianbao ledger verify` and `qianbao audit verify` on it, and every
   id set aside must be there, POSTED;
5. both databases dropped unless --keep-db.
Exit 0 when every check passes, 1 otherwise; the figures are printed either way.

Usage (project venv active): python ops/backup_drill.py [--writers 8] [--warmup 5] [--after 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QIANBAO = Path(sys.executable).parent / "qianbao"


async def _world(wallets: int):
    """A partner principal and its funded wallets, through the real services."""
    from auth.principal import Principal
    from auth.scopes import PARTNER_SCOPES
    from services.customers import create_customer
    from services.ledger.posting import post_top_up
    from services.partners.onboarding import create_partner
    from services.wallets import open_wallet
    from tests.factories import grant_tier

    created = await create_partner(name=f"drill-{uuid.uuid4().hex[:6]}")
    partner = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                        scopes=frozenset(PARTNER_SCOPES))
    ids = []
    for n in range(wallets):
        customer = await create_customer(principal=partner, external_ref=f"drill-{n}", kind="INDIVIDUAL",
                                         display_name=f"Drill {n}", country="CN")
        await grant_tier(customer.id, 3)
        wallet = await open_wallet(principal=partner, customer_id=customer.id, currency="CNY")
        await post_top_up(principal=partner, wallet_id=wallet.id, amount="5000.00", idempotency_key=f"drill-fund-{n}")
        ids.append(wallet.id)
    return partner, ids


async def _writer(partner, wallets: list, acked: list, stop: asyncio.Event, seed: int, refused: list) -> None:
    """Post transfers until told to stop; keep the id of each one acknowledged."""
    from services.errors import DomainError
    from services.ledger.posting import post_transfer

    rng = random.Random(seed)
    while not stop.is_set():
        source, target = rng.sample(wallets, 2)
        try:
            record = await post_transfer(principal=partner, from_wallet_id=source, to_wallet_id=target,
                                         amount=f"{rng.randint(1, 500) / 100:.2f}", idempotency_key=uuid.uuid4().hex)
        except DomainError as exc:  # a limit or an empty wallet: refused, nothing moved, not acknowledged
            refused.append(type(exc).__name__)
            continue
        acked.append(record.id)


def _cli(*args: str) -> subprocess.CompletedProcess:
    """A qianbao command, its output kept."""
    return subprocess.run([str(QIANBAO), *args], capture_output=True, text=True, timeout=600)


async def drill(args: argparse.Namespace) -> bool:
    """Run the drill once; print what it found; True when every check passed."""
    import asyncpg

    from api.db import apply_migrations, asyncpg_dsn, close_orm, init_orm

    base = args.database_url_base
    tag = uuid.uuid4().hex[:8]
    source_name, restored_name = f"qianbao_drill_{tag}", f"qianbao_drill_{tag}_restored"
    source_url = base.rsplit("/", 1)[0] + "/" + source_name
    restored_url = base.rsplit("/", 1)[0] + "/" + restored_name
    admin = await asyncpg.connect(asyncpg_dsn(base))
    await admin.execute(f'CREATE DATABASE "{source_name}"')
    await admin.execute(f'CREATE DATABASE "{restored_name}"')
    await admin.close()
    dump = Path(tempfile.mkdtemp(prefix="qianbao-drill-")) / "qianbao.dump"
    ok = True
    try:
        await apply_migrations(source_url)
        await init_orm(source_url)
        partner, wallets = await _world(args.wallets)
        acked: list = []
        refused: list = []
        stop = asyncio.Event()
        writers = [asyncio.create_task(_writer(partner, wallets, acked, stop, seed, refused))
                   for seed in range(args.writers)]
        await asyncio.sleep(args.warmup)
        before = set(acked)  # acknowledged before the backup starts: the restored copy must hold every one
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            "pg_dump", "--format=custom", "--file", str(dump), asyncpg_dsn(source_url),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, dump_err = await process.communicate()
        dump_s = time.perf_counter() - began
        during = len(acked) - len(before)
        await asyncio.sleep(args.after)
        stop.set()
        await asyncio.gather(*writers)
        await close_orm()
        if process.returncode != 0:
            print(f"FAILED: pg_dump exited {process.returncode}: {dump_err.decode().strip()}")
            return False
        print(f"load: {args.writers} writers, {len(acked)} transfers acknowledged ({len(before)} before the backup"
              f" started, {during} while pg_dump ran, the rest after), {len(refused)} refused")
        print(f"backup: pg_dump --format=custom in {dump_s:.2f} s, {dump.stat().st_size / 1e6:.1f} MB, under load")

        began = time.perf_counter()
        restore = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", asyncpg_dsn(restored_url),
                                  str(dump)], capture_output=True, text=True, timeout=600)
        if restore.returncode != 0:
            print(f"FAILED: pg_restore exited {restore.returncode}: {restore.stderr.strip()}")
            return False
        print(f"restore: pg_restore into {restored_name} in {time.perf_counter() - began:.2f} s")

        for command in (("ledger", "verify"), ("audit", "verify")):
            result = _cli(*command, "--database-url", restored_url)
            last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            passed = result.returncode == 0
            ok &= passed
            print(f"{'ok' if passed else 'FAILED'}: qianbao {' '.join(command)} on the restored copy: {last}")
            if not passed:
                print(result.stdout + result.stderr)

        restored = await asyncpg.connect(asyncpg_dsn(restored_url))
        try:
            rows = await restored.fetch("SELECT id FROM ledger_transaction WHERE status = 'POSTED' AND id = ANY($1::uuid[])",
                                        list(acked))
        finally:
            await restored.close()
        present = {row["id"] for row in rows}
        missing = before - present
        ok &= not missing and bool(before)
        print(f"{'ok' if not missing and before else 'FAILED'}: the restored copy holds {len(before & present)} of the"
              f" {len(before)} transfers acknowledged before the backup started"
              f" (and {len(present - before)} of the {len(acked) - len(before)} acknowledged after)")
        return ok
    finally:
        await close_orm()
        dump.unlink(missing_ok=True)
        dump.parent.rmdir()
        if not args.keep_db:
            admin = await asyncpg.connect(asyncpg_dsn(base))
            for name in (source_name, restored_name):
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        else:
            print(f"kept: {source_url} and {restored_url}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url-base", default=os.environ.get(
        "QIANBAO_DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--wallets", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the backup starts")
    parser.add_argument("--after", type=float, default=2.0, help="seconds of load after pg_dump finishes")
    parser.add_argument("--keep-db", action="store_true")
    arguments = parser.parse_args()
    passed = asyncio.run(drill(arguments))
    print("backup drill: PASSED" if passed else "backup drill: FAILED")
    sys.exit(0 if passed else 1)
