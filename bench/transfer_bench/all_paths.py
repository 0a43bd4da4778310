"""--all-paths: every money path in one run and one table, each against the raw-SQL baseline of the same run.

With --payments the run already measures transfers, QR payments and the baseline, alternating in rounds. With
--all-paths each round then also measures, each on a freshly started server after a CHECKPOINT (as every API run):

  payments with a coupon             paymentCreate with couponIds (1.00 off)
  payments with a coupon and points   paymentCreate with couponIds (1.00 off) and pointsToRedeem 10
  FX conversions                      fxQuote + walletConvert, CNY to USD between one payer's two wallets
  batch transfers                     transfersCreate with --batch transfers a request (rate: transfers/s)

(set-up in money_paths.py, the clients in path_runs.py), and then the GraphQL layer alone (plain_runs.py):
transferCreate and the wallets read through /graphql and through plain JSON routes of the same app. The table gives, per path, the rate, p50/p99 per request,
errors, the ratio to the baseline's transfers/s and to the API's transfers/s. Afterwards the stored transactions of
each kind must equal what the clients saw succeed (on top of what the set-up stored).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from . import database, path_runs, plain_runs, server
from .api_run import run_ops
from .pg_stats import print_activity
from .money_paths import Loyalty, prepare_fx, prepare_loyalty
from .results import RunResult, merge_runs

KINDS = ("TRANSFER", "PAYMENT", "FX_CONVERSION")
POINTS_TRANSFERS = "points paid by the funding wallet"
COUPON = "payments + coupon"
COUPON_POINTS = "payments + coupon + points"
CONVERSIONS = "FX conversions (2 requests)"


def batch_label(size: int) -> str:
    """The batch row's name."""
    return f"batch transfers (x{size})"


@dataclass
class Paths:
    loyalty: Loyalty
    usd: list[str]  # the payers' USD wallets, in payer order
    stored_before: dict[str, int]  # transactions of each kind the set-up stored
    rounds: dict[str, list[RunResult]] = field(default_factory=dict)
    layer: dict[str, list[RunResult]] = field(default_factory=dict)  # plain_runs: /graphql against plain routes
    same_document: bool = True  # the plain read route gave the GraphQL document


async def _stored(dsn: str) -> dict[str, int]:
    """Transactions of each measured kind in the database."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT kind, COUNT(*) AS n FROM ledger_transaction WHERE kind = ANY($1) GROUP BY kind",
                                list(KINDS))
        # Points on a payment the funding wallet paid (a TRANSFER of their own): points earned unfunded, or whose
        # funding was spent meanwhile. Funded points are a leg of the payment itself (services.points.reserve).
        by_funding_wallet = await conn.fetchval("SELECT COUNT(*) FROM points_redemption"
                                                " WHERE payment_id IS NOT NULL AND reserve_minor = 0")
    finally:
        await conn.close()
    return {kind: 0 for kind in KINDS} | {r["kind"]: r["n"] for r in rows} | {POINTS_TRANSFERS: by_funding_wallet}


async def prepare(port: int, token: str, dsn: str, db_url: str, payers: list[str], codes: list[str]) -> Paths:
    """The loyalty and FX set-up, then what it stored (the measured runs are counted on top of it)."""
    loyalty = await prepare_loyalty(port, token, dsn, payers, codes)
    usd = await prepare_fx(port, token, dsn, db_url, payers)
    return Paths(loyalty, usd, await _stored(dsn))


async def run_round(paths: Paths, args: argparse.Namespace, token: str, payers: list[str], codes: list[str],
                    db_url: str, log_dir: Path, tag: str, db_name: str, label: str) -> None:
    """One round of the extra paths, each on a fresh server; the results are added to paths.rounds."""
    ops = {
        COUPON: path_runs.coupon_points(token, payers, paths.loyalty.coupons, codes, paths.loyalty.program_id, tag,
                                        points=False),
        COUPON_POINTS: path_runs.coupon_points(token, payers, paths.loyalty.coupons, codes, paths.loyalty.program_id, tag),
        CONVERSIONS: path_runs.conversion(token, payers, paths.usd, tag),
        batch_label(args.batch): path_runs.batch(token, payers, args.batch, tag),
    }
    dsn = database.asyncpg_dsn(db_url)
    for name, op in ops.items():
        srv = server.Server(db_url, args.server_workers, log_dir, f"{name.split()[0]}-{tag}")
        await srv.start()
        try:
            print(f"{name} run{label}: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...",
                  flush=True)
            result = await run_ops(name, srv.port, op, args.clients, args.warmup, args.duration,
                                   srv.proc.pid if srv.proc else None, tag, db_name, stop_on=path_runs.OUT_OF_COUPONS,
                                   dsn=dsn)
        finally:
            await srv.stop()
        await database.checkpoint(dsn)
        paths.rounds.setdefault(name, []).append(result)
    same = await plain_runs.run_round(args, token, payers, db_url, log_dir, tag, db_name, label, paths.layer,
                                      check_document=not paths.layer)
    paths.same_document = paths.same_document and same


def print_table(base: RunResult, transfers: RunResult, payments: RunResult, paths: Paths) -> dict[str, dict]:
    """The one table of every path; returns its figures for --json-out."""
    rows = [("raw SQL baseline (transfers)", base), ("transfers (transferCreate)", transfers),
            ("payments (QR, paymentCreate)", payments)]
    rows += [(name, merge_runs(runs)) for name, runs in paths.rounds.items()]
    print()
    print("Every money path, same run (rate: per second; p50/p99: ms per request; x: rate / rate of that row;"
          " CPU: ms of server and PostgreSQL CPU per unit)")
    print(f"{'path':32} {'per s':>9} {'p50':>7} {'p99':>7} {'errors':>7} {'x baseline':>11} {'x transfers':>12}"
          f" {'CPU srv+pg':>11}")
    figures = {}
    for name, r in rows:
        to_base = r.rate / base.rate if base.rate else float("nan")
        to_transfers = r.rate / transfers.rate if transfers.rate else float("nan")
        errors = sum(r.errors.values())
        units = r.units or r.ok
        cpu = {k: 1000 * r.cpu.get(k, 0.0) / units if units else float("nan") for k in ("server", "postgres")}
        print(f"{name:32} {r.rate:9.1f} {r.percentile(50):7.1f} {r.percentile(99):7.1f} {errors:7d}"
              f" {to_base:11.2f} {to_transfers:12.2f} {cpu['server']:5.2f}+{cpu['postgres']:4.2f}")
        figures[name] = {"per_s": round(r.rate, 1), "p50_ms": round(r.percentile(50), 2),
                         "p99_ms": round(r.percentile(99), 2), "errors": dict(r.errors),
                         "ratio_baseline": round(to_base, 3), "ratio_transfers": round(to_transfers, 3),
                         "cpu_ms_per_unit": {k: round(v, 3) for k, v in cpu.items()}}
        if r.errors:
            print(f"{'':32} errors: " + ", ".join(f"{k} x{v}" for k, v in r.errors.most_common(3)))
    figures["graphql_layer"] = plain_runs.print_layer(paths.layer, merge_runs)
    print_activity([(name, r.pg, r.units or r.ok) for name, r in rows])
    return figures


def extra_successes(paths: Paths, points_transfers: int) -> dict[str, int]:
    """What the extra paths' clients saw succeed, per transaction kind (points the funding wallet paid for, rather
    than the programme's reserve, are a TRANSFER posting of their own: `points_transfers` of them)."""
    seen = {name: sum(r.successes_total for r in runs) for name, runs in paths.rounds.items()}
    points_payments = seen.get(COUPON_POINTS, 0)
    batch_items = sum(n for name, n in seen.items() if name.startswith("batch"))
    layer_transfers = plain_runs.transfers_seen(paths.layer)
    return {"TRANSFER": batch_items + points_transfers + layer_transfers, "PAYMENT": seen.get(COUPON, 0) + points_payments,
            "FX_CONVERSION": seen.get(CONVERSIONS, 0)}


async def check_counts(dsn: str, paths: Paths, transfers_seen: int | None, payments_seen: int) -> bool:
    """Stored transactions of each kind, minus the set-up's, against every success the clients saw (transfers not
    compared when transfers_seen is None: a round-trip count that stopped part way posted an unknown number)."""
    stored = await _stored(dsn)
    points_transfers = stored[POINTS_TRANSFERS] - paths.stored_before[POINTS_TRANSFERS]
    print(f"points payments the funding wallet paid (not the programme's reserve): {points_transfers}")
    extra = extra_successes(paths, points_transfers)
    expected = {"TRANSFER": (transfers_seen or 0) + extra["TRANSFER"], "PAYMENT": payments_seen + extra["PAYMENT"],
                "FX_CONVERSION": extra["FX_CONVERSION"]}
    ok = paths.same_document
    for kind in KINDS:
        if kind == "TRANSFER" and transfers_seen is None:
            print("TRANSFER transactions: not compared (the round-trip count stopped part way)")
            continue
        measured = stored[kind] - paths.stored_before[kind]
        match = measured == expected[kind]
        ok = ok and match
        print(f"{kind} transactions stored by the measured runs: {measured}, successes seen by the clients:"
              f" {expected[kind]} ({'match' if match else 'MISMATCH'})")
    return ok
