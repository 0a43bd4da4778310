"""--payments: merchants of a second partner, and a payments API run alternating with the transfer API run.

run.main is the default run of `python bench/transfers.py`; main here is the same run with the payment steps added
(and, with --all-paths, the other money paths of all_paths.py). The command line and its description of the steps
are bench/transfers.py's.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from schema.common.relay import global_id_to_uuid

from . import (all_paths, api_run, baseline_run, database, http_client, interleaved_run, pg_stats, prepare, report, results,
               round_trips, run, server, settings, verify)


PAYMENTS_TARGET_RATIO = 0.9
PAYMENT_MUTATION = (  # as lean as TRANSFER_MUTATION: the payment's id and amount
    "mutation($input: PaymentCreateInput!) { paymentCreate(input: $input) {"
    " payment { id amount { amount currency } } userErrors { code message field } } }"
)
MERCHANT_CREATE = (
    "mutation($input: MerchantCreateInput!) { merchantCreate(input: $input) {"
    " merchant { id status } userErrors { code message field } } }"
)
REQUEST_CREATE = (
    "mutation($input: PaymentRequestCreateInput!) { paymentRequestCreate(input: $input) {"
    " paymentRequest { id kind payload } userErrors { code message field } } }"
)


async def shop_partner(db_url: str, port: int) -> tuple[str, str]:
    """The merchants' partner: `qianbao partner create --name bench-shops --json`; (its ids' JSON, its token)."""
    code, out, err = await server.run_cli("partner", "create", "--name", "bench-shops", "--json", "--database-url", db_url)
    if code != 0:
        raise RuntimeError(f"qianbao partner create (shops) failed ({code}): {err or out}")
    shops = json.loads(out.strip().splitlines()[-1])
    return shops["partner_id"], await prepare.get_token(port, shops["client_id"], shops["client_secret"])


async def shop_customers(port: int, token: str, count: int) -> list[tuple[str, str]]:
    """`count` BUSINESS customers of the shops partner, each with a CNY wallet: (customer id, wallet id)."""
    session = http_client.GraphQLSession("127.0.0.1", port, token)
    out = []
    try:
        for i in range(count):
            customer = await session.payload(
                "customerCreate",
                "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
                " customer { id } userErrors { code message field } } }",
                {"input": {"externalRef": f"shop-{i:04d}", "kind": "BUSINESS", "displayName": f"Bench Shop {i} Ltd",
                           "country": settings.BENCH_COUNTRY}},
            )
            wallet = await session.payload(
                "walletOpen",
                "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
                " wallet { id } userErrors { code message field } } }",
                {"input": {"customerId": customer["customer"]["id"], "currency": settings.CURRENCY}},
            )
            out.append((customer["customer"]["id"], wallet["wallet"]["id"]))
    finally:
        session.conn.close()
    return out


async def shop_codes(port: int, token: str, customers: list[tuple[str, str]], settlement: str = "IMMEDIATE") -> list[str]:
    """merchantCreate for each (KYC-approved) customer (settling IMMEDIATE or DEFERRED), then one STATIC payment
    request each: the QR payloads."""
    session = http_client.GraphQLSession("127.0.0.1", port, token)
    payloads = []
    try:
        for i, (customer_id, wallet_id) in enumerate(customers):
            merchant = await session.payload("merchantCreate", MERCHANT_CREATE, {"input": {
                "customerId": customer_id, "settlementWalletId": wallet_id, "displayName": f"Bench Shop {i}",
                "mcc": "5812", "city": "Shanghai", "country": "CN", "settlement": settlement}})
            request = await session.payload("paymentRequestCreate", REQUEST_CREATE, {"input": {
                "merchantId": merchant["merchant"]["id"], "singleUse": False}})
            if request["paymentRequest"]["kind"] != "STATIC":
                raise RuntimeError(f"expected a STATIC payment request: {request}")
            payloads.append(request["paymentRequest"]["payload"])
    finally:
        session.conn.close()
    return payloads


def payment_op(token: str, wallets: list[str], codes: list[str], run_tag: str) -> api_run.Operation:
    """paymentCreate of 0.01-0.99 from a random payer wallet to a random merchant's code, a fresh idempotency key each."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    query = json.dumps(PAYMENT_MUTATION)
    encoded_codes = [json.dumps(c) for c in codes]

    async def pay(conn: http_client.HttpConnection, rnd: random.Random, index: int, seq: int) -> tuple[int, str | None]:
        body = (
            '{"query":%s,"variables":{"input":{"fromWalletId":"%s","qrPayload":%s,'
            '"amount":"0.%02d","idempotencyKey":"%s-p%d-%d"}}}'
            % (query, rnd.choice(wallets), rnd.choice(encoded_codes), rnd.randint(1, 99), run_tag, index, seq)
        ).encode()
        status, payload = await conn.request("POST", "/graphql", body, headers)
        error = api_run.classify(status, payload, field="paymentCreate", result="payment")
        return (0, error) if error else (1, None)

    return pay


async def payments_run(port: int, token: str, wallets: list[str], codes: list[str], clients: int, warmup_s: float,
                       duration_s: float, server_pid: int | None, run_tag: str, db_name: str,
                       dsn: str | None = None) -> results.RunResult:
    """The payments API run: api_run's clients, window and CPU accounting (api_run.run_ops), sending paymentCreate."""
    return await api_run.run_ops("API payments", port, payment_op(token, wallets, codes, run_tag), clients, warmup_s,
                                 duration_s, server_pid, run_tag, db_name, dsn=dsn)


def _cpu_ms_per(r: results.RunResult) -> dict[str, float]:
    return {k: 1000 * v / r.ok for k, v in r.cpu.items() if k != "other"} if r.ok else {}


def print_payments(transfers: results.RunResult, pays: results.RunResult, transfer_rounds: list[results.RunResult],
                   pay_rounds: list[results.RunResult], merchants: int, settlement: str = "IMMEDIATE") -> float:
    """The payments section of the report; returns payments/s / transfers/s (both API, same rounds)."""
    ratio = pays.tps / transfers.tps if transfers.tps else float("nan")
    print()
    print(f"Payments ({merchants} merchants of a second partner settling {settlement}, one STATIC code each; payers:"
          " the API-run wallets)")
    print(f"{'':22} {'per s':>12} {'p50 ms':>8} {'p99 ms':>8} {'ok':>8} {'errors':>7}   CPU (s per s)")
    for label, r in (("API transfers", transfers), ("API payments", pays)):
        cpu_text = "  ".join(f"{k} {v / r.duration_s:.2f}" for k, v in r.cpu.items())
        print(f"{label:22} {r.tps:12.1f} {r.percentile(50):8.2f} {r.percentile(99):8.2f} {r.ok:8d}"
              f" {sum(r.errors.values()):7d}   {cpu_text}")
    per_t, per_p = _cpu_ms_per(transfers), _cpu_ms_per(pays)
    for label, costs in (("CPU ms per transfer:", per_t), ("CPU ms per payment: ", per_p)):
        print(f"{label:22} " + ", ".join(f"{k} {v:.2f}" for k, v in costs.items()) + f" (sum {sum(costs.values()):.2f})")
    if per_t and per_p:
        print(f"{'CPU-cost ratio':22} {sum(per_t.values()) / sum(per_p.values()):12.2f}"
              "   (CPU per transfer / CPU per payment: the ratio to expect on an otherwise idle machine)")
    verdict = "meets" if ratio >= PAYMENTS_TARGET_RATIO else "BELOW"
    print(f"{'ratio payments/transfers':24} {ratio:10.2f}   ({verdict} the target of {PAYMENTS_TARGET_RATIO})")
    if len(pay_rounds) > 1:
        print("per round: transfers " + " ".join(f"{r.tps:.0f}" for r in transfer_rounds)
              + " | payments " + " ".join(f"{r.tps:.0f}" for r in pay_rounds)
              + " | ratio " + " ".join(f"{p.tps / t.tps if t.tps else float('nan'):.2f}"
                                       for t, p in zip(transfer_rounds, pay_rounds)))
    if pays.errors:
        print("errors in API payments: " + ", ".join(f"{k} x{v}" for k, v in pays.errors.most_common()))
    if pays.reconnects:
        print(f"API payments: {pays.reconnects} reconnects")
    return ratio


async def check_payments(db_dsn: str, expected: int) -> bool:
    """The stored PAYMENT transactions (and payment rows) against the payments the clients saw succeed."""
    conn = await asyncpg.connect(db_dsn)
    try:
        stored = await conn.fetchval("SELECT COUNT(*) FROM ledger_transaction WHERE kind = 'PAYMENT'")
        rows = await conn.fetchval("SELECT COUNT(*) FROM payment")
    finally:
        await conn.close()
    consistent = stored == expected == rows
    print(f"payments stored: {stored} PAYMENT transactions, {rows} payment rows, successes seen by the clients:"
          f" {expected} ({'match' if consistent else 'MISMATCH'})")
    return consistent


async def main(args: argparse.Namespace) -> int:
    """run.main with --payments: the same steps, plus the merchants and a payments run after each transfer API run."""
    base_url = args.database_url_base
    admin_dsn = database.asyncpg_dsn(base_url)
    db_name = f"qianbao_bench_{secrets.token_hex(4)}"
    db_url = database.with_database(base_url, db_name)
    db_dsn = database.asyncpg_dsn(db_url)
    run_tag = secrets.token_hex(3)
    log_dir = Path(tempfile.mkdtemp(prefix="qianbao-bench-"))
    created = False
    srv: server.Server | None = None
    try:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{db_name}"')
            created = True
        finally:
            await admin.close()
        print(f"database {db_name} created; logs in {log_dir}", flush=True)

        partner = await prepare.migrate_and_create_partner(db_url)
        await prepare.add_compliance_pack(db_dsn)

        srv = server.Server(db_url, args.server_workers, log_dir, "api")
        await srv.start()
        print(f"qianbao serve --workers {args.server_workers} ready on port {srv.port} (pid {srv.proc.pid})", flush=True)
        token = await prepare.get_token(srv.port, partner["client_id"], partner["client_secret"])
        t0 = time.perf_counter()
        partner_id = global_id_to_uuid(partner["partner_id"], "Partner")
        assert partner_id is not None, partner
        setup = await prepare.seed_both_halves(srv.port, token, partner_id, db_dsn, args.wallets)
        _, shop_token = await shop_partner(db_url, srv.port)
        shop_owners = await shop_customers(srv.port, shop_token, args.merchants)
        await prepare.approve_customers(db_dsn)  # the bench's customers and the shops' BUSINESS customers alike
        codes = await shop_codes(srv.port, shop_token, shop_owners, args.settlement)
        print(f"seeded 2 x {args.wallets} wallets and {len(codes)} merchants (partner bench-shops, one STATIC code"
              f" each) through GraphQL in {time.perf_counter() - t0:.1f} s", flush=True)
        paths = None
        if args.all_paths:
            t1 = time.perf_counter()
            paths = await all_paths.prepare(srv.port, token, db_dsn, db_url, setup.api_wallets, codes)
            print(f"--all-paths: a points programme, {len(paths.loyalty.coupons[0])} coupons per payer and a USD wallet"
                  f" each, in {time.perf_counter() - t1:.1f} s", flush=True)
        if args.fees:
            await prepare.add_fee_rule(db_dsn, partner_id)
            print("fee-bearing variant: every API transfer pays 0.01 + 0.5 % (at least 0.02); the baseline writes no fee", flush=True)

        await database.checkpoint(db_dsn, vacuum=True)

        api_rounds: list[results.RunResult] = []
        pay_rounds: list[results.RunResult] = []
        base_rounds: list[results.RunResult] = []
        interleaved_rounds: list[interleaved_run.InterleavedRound] = []
        for round_no in range(1, args.rounds + 1):
            tag = f"{run_tag}r{round_no}"
            label = f" (round {round_no}/{args.rounds})" if args.rounds > 1 else ""
            if srv is None:
                srv = server.Server(db_url, args.server_workers, log_dir, f"api-{round_no}")
                await srv.start()
            print(f"API run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...", flush=True)
            api_rounds.append(await api_run.api_run(srv.port, token, setup.api_wallets, args.clients, args.warmup,
                                                    args.duration, srv.proc.pid if srv.proc else None, tag, db_name,
                                                    dsn=db_dsn))
            # The payments run gets a fresh server too, as every API run does, on a checkpointed database.
            await srv.stop()
            srv = None
            await database.checkpoint(db_dsn)
            srv = server.Server(db_url, args.server_workers, log_dir, f"payments-{round_no}")
            await srv.start()
            print(f"payments API run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...",
                  flush=True)
            pay_rounds.append(await payments_run(srv.port, token, setup.api_wallets, codes, args.clients, args.warmup,
                                                 args.duration, srv.proc.pid if srv.proc else None, tag, db_name,
                                                 dsn=db_dsn))
            await srv.stop()
            srv = None
            await database.checkpoint(db_dsn)
            # Both kinds on one fresh server in short A B B A slices (transfer_bench/interleaved_run.py): the machine's
            # changes between windows divided out of their ratio, each kind still measured with every client on it.
            srv = server.Server(db_url, args.server_workers, log_dir, f"interleaved-{round_no}")
            await srv.start()
            print(f"interleaved run{label}: {args.clients} clients, {args.warmup:g} s warm-up, then transfers and"
                  f" payments in slices of {args.slice:g} s, {args.duration:g} s of each ...", flush=True)
            interleaved_rounds.append(await interleaved_run.interleaved_run(
                srv.port, {interleaved_run.TRANSFERS: lambda t: api_run.transfer_op(token, setup.api_wallets, t),
                           interleaved_run.PAYMENTS: lambda t: payment_op(token, setup.api_wallets, codes, t)},
                args.clients, args.warmup, args.duration, args.slice, srv.proc.pid if srv.proc else None, tag,
                db_name))
            await srv.stop()
            srv = None
            await database.checkpoint(db_dsn)
            if paths is not None:
                await all_paths.run_round(paths, args, token, setup.api_wallets, codes, db_url, log_dir, tag, db_name,
                                          label)
            print(f"baseline run{label}: {args.clients} asyncpg connections, {args.warmup:g} s warm-up"
                  f" + {args.duration:g} s ...", flush=True)
            base_rounds.append(await baseline_run.baseline_run(db_dsn, partner_id, setup.base_wallets, args.clients,
                                                               args.warmup, args.duration, tag, db_name))
            await database.checkpoint(db_dsn)
        api, pays, base = results.merge_runs(api_rounds), results.merge_runs(pay_rounds), results.merge_runs(base_rounds)

        rt = None
        rt_failed = False
        if not args.no_round_trips:
            print("counting SQL round trips per transfer ...", flush=True)
            try:
                rt = await round_trips.count_round_trips(base_url, db_name, setup, log_dir, run_tag)
            except Exception as exc:  # noqa: BLE001 - the runs are done: report them anyway
                rt_failed = True
                print(f"could not count round trips: {type(exc).__name__}: {exc}", file=sys.stderr)

        ratio = report.print_report(args, api, base, rt, api_rounds, base_rounds)
        pay_ratio = print_payments(api, pays, api_rounds, pay_rounds, len(codes), args.settlement)
        interleaved_ratio = interleaved_run.print_interleaved(interleaved_rounds, args.slice, PAYMENTS_TARGET_RATIO)
        figures = all_paths.print_table(base, api, pays, paths) if paths is not None else None
        if paths is None:
            pg_stats.print_activity([("transfers", api.pg, api.ok), ("payments", pays.pg, pays.ok)])
        print()

        interleaved_transfers = interleaved_run.successes(interleaved_rounds, interleaved_run.TRANSFERS)
        interleaved_payments = interleaved_run.successes(interleaved_rounds, interleaved_run.PAYMENTS)
        expected = (api.successes_total + base.successes_total + interleaved_transfers
                    + (round_trips.ROUND_TRIP_TRANSFERS if rt is not None else 0))
        if paths is not None:  # every kind counted on top of what the set-up stored
            counts_ok = await all_paths.check_counts(db_dsn, paths, None if rt_failed else expected,
                                                     pays.successes_total + interleaved_payments)
            verified = await verify.check_ledger(db_dsn, db_url, None, compare=False) and counts_ok
        else:
            payments_ok = await check_payments(db_dsn, pays.successes_total + interleaved_payments)
            verified = await verify.check_ledger(db_dsn, db_url, expected, compare=not rt_failed) and payments_ok
        if args.json_out:
            out = report.result_json(api, base, ratio, rt, verified, api_rounds, base_rounds)
            out["payments"] = {
                "tps": round(pays.tps, 1), "p50_ms": round(pays.percentile(50), 2),
                "p99_ms": round(pays.percentile(99), 2), "ok": pays.ok, "errors": dict(pays.errors),
                "cpu_s_per_s": {k: round(v / pays.duration_s, 3) for k, v in pays.cpu.items()},
                "cpu_ms_per_payment": {k: round(v, 3) for k, v in _cpu_ms_per(pays).items()},
                "cpu_ms_per_transfer": {k: round(v, 3) for k, v in _cpu_ms_per(api).items()},
                "ratio_payments_transfers": round(pay_ratio, 3), "rounds_tps": [round(r.tps, 1) for r in pay_rounds],
                "merchants": len(codes),
                "interleaved": {"ratio_payments_transfers": round(interleaved_ratio, 3),
                                "rounds_ratio": [round(r.ratio, 3) for r in interleaved_rounds],
                                "pair_ratios": [round(x, 3) for r in interleaved_rounds for x in r.pair_ratios],
                                "slice_s": args.slice},
            }
            if figures is not None:
                out["all_paths"] = figures
            Path(args.json_out).write_text(json.dumps(out, indent=2) + "\n")
        return run.verdict(verified, ratio, args.fail_under)
    except Exception as exc:  # noqa: BLE001 - one readable line; the server logs say more
        print(f"benchmark failed: {type(exc).__name__}: {exc}\n(server logs in {log_dir})", file=sys.stderr)
        return 2
    finally:
        await run.clean_up(srv, created, args.keep_db, admin_dsn, db_name, db_url)
