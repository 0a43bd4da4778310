"""One benchmark run from start to finish: database, server, seeding, alternating rounds, report, checks.

Whatever happens, the server is stopped and the benchmark database dropped
(unless --keep-db) on the way out.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from schema.common.relay import global_id_to_uuid

from .api_run import api_run
from .baseline_run import baseline_run
from .database import asyncpg_dsn, checkpoint, drop_database, with_database
from .gc_pauses import WorkerPauses, describe, scrape_workers
from .prepare import add_compliance_pack, add_fee_rule, approve_customers, get_token, migrate_and_create_partner, seed_both_halves
from .pg_stats import print_activity
from .report import print_report, result_json
from .results import RunResult, merge_runs
from .round_trips import ROUND_TRIP_TRANSFERS, count_round_trips
from .server import Server
from .verify import check_ledger


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

        partner = await migrate_and_create_partner(db_url)
        await add_compliance_pack(db_dsn)

        server = Server(db_url, args.server_workers, log_dir, "api")
        await server.start()
        print(f"qianbao serve --workers {args.server_workers} ready on port {server.port} (pid {server.proc.pid})", flush=True)
        token = await get_token(server.port, partner["client_id"], partner["client_secret"])
        t0 = time.perf_counter()
        partner_id = global_id_to_uuid(partner["partner_id"], "Partner")  # the CLI prints the API's global ID
        assert partner_id is not None, partner
        setup = await seed_both_halves(server.port, token, partner_id, db_dsn, args.wallets)
        await approve_customers(db_dsn)
        print(f"seeded 2 x {args.wallets} wallets through GraphQL in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.fees:
            await add_fee_rule(db_dsn, partner_id)
            print("fee-bearing variant: every API transfer pays 0.01 + 0.5 % (at least 0.02); the baseline writes no fee", flush=True)

        await checkpoint(db_dsn, vacuum=True)

        api_rounds: list[RunResult] = []
        base_rounds: list[RunResult] = []
        collector: list[WorkerPauses] = []
        for round_no in range(1, args.rounds + 1):
            tag = f"{run_tag}r{round_no}"
            label = f" (round {round_no}/{args.rounds})" if args.rounds > 1 else ""
            if server is None:
                server = Server(db_url, args.server_workers, log_dir, f"api-{round_no}")
                await server.start()
            print(f"API run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...", flush=True)
            api_rounds.append(await api_run(server.port, token, setup.api_wallets, args.clients, args.warmup,
                                            args.duration, server.proc.pid if server.proc else None, tag, db_name,
                                            dsn=db_dsn))
            for n, pauses in enumerate(await scrape_workers(server.port, args.server_workers)):
                if n < len(collector):
                    collector[n].add(pauses)
                else:
                    collector.append(pauses)
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
        print_activity([("API transfers", api.pg, api.ok)])
        print("\nGarbage-collector pauses of the serve workers, from start-up to the end of each API run"
              " (/metrics, qianbao_gc_pause_seconds):")
        print(describe(collector))

        expected = api.successes_total + base.successes_total + (ROUND_TRIP_TRANSFERS if rt is not None else 0)
        verified = await check_ledger(db_dsn, db_url, expected, compare=not rt_failed)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result_json(api, base, ratio, rt, verified, api_rounds, base_rounds), indent=2) + "\n")
        return verdict(verified, ratio, args.fail_under)
    except Exception as exc:  # noqa: BLE001 - one readable line; the server logs say more
        print(f"benchmark failed: {type(exc).__name__}: {exc}\n(server logs in {log_dir})", file=sys.stderr)
        return 2
    finally:
        await clean_up(server, created, args.keep_db, admin_dsn, db_name, db_url)


def verdict(verified: bool, ratio: float, fail_under: float | None) -> int:
    """The exit status of a finished run: 1 when the ledger does not verify or the ratio is below --fail-under."""
    if not verified:
        print("LEDGER DOES NOT VERIFY", file=sys.stderr)
        return 1
    if fail_under is not None and not ratio >= fail_under:
        print(f"ratio {ratio:.2f} is below --fail-under {fail_under}", file=sys.stderr)
        return 1
    return 0


async def clean_up(server: Server | None, created: bool, keep_db: bool, admin_dsn: str, db_name: str, db_url: str) -> None:
    """On the way out, whatever happened: stop the server, drop the benchmark database (unless kept)."""
    if server is not None:
        await server.stop()
    if created and not keep_db:
        try:
            await drop_database(admin_dsn, db_name)
            print(f"database {db_name} dropped")
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop database {db_name}: {exc}", file=sys.stderr)
    elif created:
        print(f"database kept: {db_url}")
