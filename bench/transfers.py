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
     (target >= 0.6, issue 18) and the CPU each party used (seconds of CPU per second:
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

The code lives in the package bench/transfer_bench/, one module per idea (listed in
its __init__.py); this file is only the command line.

With --payments, payments per second through the API are measured too (the
code of this variant lives in transfer_bench/payments.py):

  * after seeding, a second partner (`qianbao partner create --name bench-shops`,
    with its own token) creates through GraphQL --merchants merchants: for each a
    BUSINESS customer (customerCreate) with a CNY wallet (walletOpen), approved at
    KYC Class III the way the bench approves its own customers
    (prepare.approve_customers), then merchantCreate, then one STATIC payment
    request (paymentRequestCreate with no amount, singleUse false). The payers
    are the bench partner's API-run wallets, so every payment crosses partners;
  * each round then runs, after the transfer API run and on a freshly started
    server, a payments API run with the same clients, warm-up and duration: each
    client sends paymentCreate(fromWalletId, qrPayload, amount 0.01-0.99, a fresh
    idempotencyKey) from a random payer wallet to a random merchant's code. A
    success is counted as for a transfer (HTTP 200, no `errors`, empty
    `userErrors`, a payment in the answer);
  * each round then also runs both kinds on one fresh server in short slices of
    --slice seconds, every client on one kind at a time, in the order T P P T ...
    (transfer_bench/interleaved_run.py): the kinds meet the machine a slice apart,
    so their ratio is not moved by the machine's speed changing between windows,
    as the alternating runs' is, and each is still measured at full load;
  * the report adds payments/s, p50/p99, errors, the ratio payments/transfers
    (target >= 0.9) of the alternating windows and of the interleaved slices, and
    the CPU milliseconds per payment against per transfer;
    the stored PAYMENT transactions (and payment rows) must equal the successes
    the clients saw (exit 1 otherwise), before `qianbao ledger verify`.

With --all-paths (implies --payments), each round also measures payments with a coupon and points, FX conversions
(fxQuote + walletConvert) and batch transfers (transfersCreate x --batch), each on a fresh server, and the report
ends with one table of every path with its rate, p50/p99 and its ratio to the baseline and to transfers; the stored
transactions of each kind must equal what the clients saw succeed. Set-up and details: transfer_bench/all_paths.py
and transfer_bench/money_paths.py.

Usage (project venv active, PostgreSQL answering):

    python bench/transfers.py
    python bench/transfers.py --duration 6 --rounds 2 --payments --no-round-trips
    python bench/transfers.py --duration 8 --rounds 2 --all-paths --no-round-trips
    python bench/transfers.py --duration 30 --clients 16 --wallets 50 \\
        --database-url-base postgres://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

if __package__:  # python -m bench.transfers
    from .transfer_bench import payments
    from .transfer_bench.run import main
else:  # python bench/transfers.py: bench/ is sys.path[0]
    from transfer_bench import payments
    from transfer_bench.run import main


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
    parser.add_argument("--fees", action="store_true", help="fee-bearing variant: API transfers pay a partner fee rule")
    parser.add_argument("--server-workers", type=int, default=2, help="qianbao serve --workers (default 2)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate API and baseline runs this many times and pool the figures (default 1);"
                             " use 3 or more on a machine others are using")
    parser.add_argument("--no-round-trips", action="store_true", help="skip counting SQL round trips per transfer")
    parser.add_argument("--show-sql", action="store_true", help="list the statements of one transfer on the wire")
    parser.add_argument("--json-out", help="also write the figures to this JSON file")
    parser.add_argument("--fail-under", type=float, default=None, help="exit 1 when API/baseline is below this ratio")
    parser.add_argument("--payments", action="store_true",
                        help="also measure paymentCreate to merchants' static QR codes, alternating with the transfer API run")
    parser.add_argument("--merchants", type=int, default=4, help="merchants paid with --payments (default 4)")
    parser.add_argument("--slice", type=float, default=1.0,
                        help="seconds per slice of the --payments interleaved run (default 1)")
    parser.add_argument("--settlement", choices=("IMMEDIATE", "DEFERRED"), default="DEFERRED",
                        help="how the --payments merchants settle (merchantCreate's settlement). DEFERRED (default:"
                        " the bench's few merchants are paid by every client at once, the load DEFERRED is for):"
                        " payments credit each merchant's clearing account and the server settles every 10 s;"
                        " IMMEDIATE: each payment credits and locks the merchant's settlement wallet")
    parser.add_argument("--all-paths", action="store_true",
                        help="--payments, and also payments with a coupon and points, FX conversions and batch transfers,"
                        " in one table (transfer_bench/all_paths.py)")
    parser.add_argument("--batch", type=int, default=100, help="transfers per transfersCreate with --all-paths (default 100)")
    args = parser.parse_args(argv)
    args.payments = args.payments or args.all_paths
    if not 1 <= args.batch <= 100:
        parser.error("need 1 <= --batch <= 100 (transfersCreate takes at most 100)")
    if args.wallets < 2 or args.clients < 1 or args.duration <= 0 or args.warmup < 0 or args.rounds < 1 or args.slice <= 0:
        parser.error("need --wallets >= 2, --clients >= 1, --duration > 0, --warmup >= 0, --rounds >= 1, --slice > 0")
    if args.payments and args.merchants < 1:
        parser.error("need --merchants >= 1")
    return args


def entry() -> int:
    args = parse_args()
    try:
        import uvloop  # the load generator must stay cheap: it shares the cores with the server
    except ImportError:
        uvloop = None
    try:
        run = payments.main(args) if args.payments else main(args)
        return uvloop.run(run) if uvloop is not None else asyncio.run(run)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(entry())
