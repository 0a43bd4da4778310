#!/usr/bin/env python3
"""Payments per second against how many merchants they pay, in one process on PostgreSQL, beside transfers.

What it measures: the service path of paymentCreate (services.payments.paying.pay) and of transferCreate
(services.ledger.posting.post_transfer), without HTTP or GraphQL, with --clients concurrent tasks each paying from
its own wallet. Kinds, alternating in rounds of --duration seconds:

- `transfer`: each client sends 0.01 to the next clients' wallets in turn (no wallet every posting locks);
- `pay-N` for each N of --merchants-paid: each client pays one of the first N merchants in turn (multi-use
  dynamic codes), so every payment locks the settlement account of one of N merchants;
- `deferred-N`: the same against N merchants created with settlement DEFERRED (services.merchants.settlement):
  each payment credits its merchant's clearing account, which nothing locks, while a settler task runs
  `settle_due` every second inside the measured window (the served worker does every 10 s).

A posting locks the wallet accounts it moves until it commits, so payments to few IMMEDIATE merchants queue on
those merchants' rows: the figures show how far the merchant count alone takes payments below transfers, and
what deferred settlement gives back. The lock sampler counts the backends waiting on a row lock. Ends with every
clearing account settled and `ledger verify`. The payers' CN pack has VELOCITY lifted to 10,000 a minute
(bench.in_process.lift_velocity), as in bench/transfers.py.

  python bench/merchant_concurrency.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database `qianbao_bench_merchants_<random>` is created next to --database-url and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.db import apply_migrations, asyncpg_dsn, close_orm, init_orm  # noqa: E402
from bench.in_process import drop_database, fresh_database, lift_velocity, listening  # noqa: E402
from bench.transfer_bench.lock_waits import LockSampler, LockWaits  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL whose server hosts the bench database")
    parser.add_argument("--duration", type=float, default=6.0, help="measured seconds per round and kind (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each kind (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent paying tasks (default 16)")
    parser.add_argument("--merchants-paid", default="1,4,16",
                        help="comma-separated merchant counts, one payment kind each (default 1,4,16)")
    args = parser.parse_args(argv)
    args.counts = sorted({int(n) for n in args.merchants_paid.split(",")})
    if not args.counts or args.counts[0] < 1 or args.clients < 2:
        parser.error("merchant counts are positive and at least 2 clients are needed")
    return args




async def _world(clients: int, merchants: int):  # type: ignore[no-untyped-def]
    """A partner, `merchants` merchants of each settlement timing with a multi-use code each, and one funded paying
    wallet per client."""
    from models.enums import SettlementTiming
    from services.ledger.posting import post_top_up
    from services.payment_requests.creation import create_payment_request
    from tests.integration.merchant_support import merchant_of
    from tests.integration.service_support import holder, new_partner

    bank = await new_partner("bench")
    codes: dict[str, list[str]] = {"pay": [], "deferred": []}
    for kind, timing in (("pay", SettlementTiming.IMMEDIATE), ("deferred", SettlementTiming.DEFERRED)):
        for _ in range(merchants):
            merchant = await merchant_of(bank, settlement=timing)
            codes[kind].append((await create_payment_request(principal=bank, merchant_id=merchant.id, amount="0.01",
                                                             single_use=False)).payload)
    payers = []
    for n in range(clients):
        payer = await holder(bank)
        await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="900000.00", idempotency_key=f"bench-p{n}")
        payers.append(payer.wallet_id)
    return bank, codes, payers



async def _run(kind: str, world, duration_s: float) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """One round of one kind: (successes, errors, seconds)."""
    from services.ledger.posting import post_transfer
    from services.payments.paying import pay

    from services.merchants.settlement import settle_due

    bank, all_codes, payers = world
    paid = int(kind.split("-")[1]) if kind != "transfer" else 0
    codes = all_codes.get(kind.split("-")[0], [])
    done = errors = 0
    deadline = time.monotonic() + duration_s

    async def client(index: int) -> None:
        nonlocal done, errors
        n = 0
        while time.monotonic() < deadline:
            key = f"b-{index}-{uuid.uuid4().hex}"
            try:
                if paid:
                    await pay(principal=bank, from_wallet_id=payers[index], qr_payload=codes[(index + n) % paid],
                              amount=None, idempotency_key=key)
                else:  # to each other client's wallet in turn, never its own
                    other = payers[(index + 1 + n % (len(payers) - 1)) % len(payers)]
                    await post_transfer(principal=bank, from_wallet_id=payers[index], to_wallet_id=other,
                                        amount="0.01", idempotency_key=key)
                done += 1
            except Exception as exc:  # noqa: BLE001 - counted and named once
                errors += 1
                if errors <= 3:
                    print(f"  {kind} error: {type(exc).__name__}: {exc}")
            n += 1

    async def settler() -> None:
        while time.monotonic() < deadline:
            await settle_due()  # as the worker does (every 10 s there): part of the measured work
            await asyncio.sleep(1.0)

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(len(payers))),
                         *([settler()] if kind.startswith("deferred") else []))
    return done, errors, time.monotonic() - started


def _waits(waits: LockWaits) -> str:
    """Backends waiting on a row lock, of those running a statement, on average over the samples."""
    if not waits.samples:
        return "row locks: not sampled"
    return f"waiting on a row lock {waits.waiting / waits.samples:.2f} of {waits.active / waits.samples:.2f} running"


async def main(args: argparse.Namespace) -> int:
    """Set up, run the alternating rounds, print the figures, verify the ledger, drop the database."""
    url, name = await fresh_database(args.database_url, "qianbao_bench_merchants")
    try:
        await apply_migrations(url)
        from services.caches import wire_caches
        from services.change_feed import listen, subscribe

        wire_caches(subscribe)  # as the server does: caches hear the change feed's announcements
        await init_orm(url)
        listener = asyncio.create_task(listen(asyncpg_dsn(url)))
        try:
            await listening()
            await lift_velocity()  # else nearly every posting after a payer's 20th would measure the AML alert path
            world = await _world(args.clients, args.counts[-1])
            kinds = ["transfer", *(f"pay-{n}" for n in args.counts), *(f"deferred-{n}" for n in args.counts)]
            totals = {kind: [0, 0, 0.0] for kind in kinds}
            locks = {kind: LockWaits() for kind in kinds}
            for _ in range(args.rounds):
                for kind in kinds:
                    sampler = LockSampler(asyncpg_dsn(url))
                    await sampler.start()
                    ok, bad, seconds = await _run(kind, world, args.duration)
                    locks[kind].add(await sampler.stop())
                    for i, v in enumerate((ok, bad, seconds)):
                        totals[kind][i] += v
                    print(f"{kind:11s} {ok / seconds:8.1f}/s ({ok} in {seconds:.1f} s, {bad} errors)")
            rate = {kind: v[0] / v[2] for kind, v in totals.items()}
            print(f"\npooled over {args.rounds} rounds, {args.clients} clients:")
            for kind in kinds:
                print(f"  {kind:11s} {rate[kind]:8.1f}/s  x transfers {rate[kind] / rate['transfer']:5.2f}"
                      f"  errors {int(totals[kind][1])}  {_waits(locks[kind])}")
            from services.ledger.verify import verify_ledger
            from services.merchants.settlement import settle_due

            await settle_due()  # what the last rounds cleared reaches the settlement wallets
            report = await verify_ledger()
            print("ledger verify:", "OK" if report.ok else report.problems[:5])
            return 0 if report.ok and not any(v[1] for v in totals.values()) else 1
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await close_orm()
    finally:
        await drop_database(args.database_url, name)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
