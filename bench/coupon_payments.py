#!/usr/bin/env python3
"""Payments per second in one process on PostgreSQL: plain payments against payments with a coupon AND points.

What it measures: the service path of paymentCreate (services.payments.paying.pay: checks, the engine's posting,
and for the discounted kind the campaign lock, the coupon reservation and the funded discount legs, the points'
paid by the programme's reserve, all in one transaction), without HTTP or GraphQL. Both kinds run in the same process and database, in
alternating rounds of --duration seconds, with --clients concurrent tasks, each client paying from its own wallet
to one of --merchants merchants (multi-use dynamic codes). Each client's discounted payments use coupons of its
own campaign (a campaign's budget row is one lock: one campaign per client keeps clients apart, as separate
campaigns of separate merchants would be) and points of one programme (funded into its reserve as they are
earned, so no points payment locks the funding wallet: services.points.reserve). Kinds: plain, points only,
coupon only, coupon+points. Prints payments/s for each kind and the
ratios to plain (target >= 0.9), then runs
`ledger verify`. The payers' CN pack has VELOCITY lifted to 10,000 a minute, as bench/transfers.py does for its
customers (bench.in_process.lift_velocity): at the shipped 20 an hour every payment after a payer's twentieth raised an alert.

  python bench/coupon_payments.py --database-url postgres://postgres@127.0.0.1:5432/postgres --duration 5

A fresh database `qianbao_bench_coupons_<random>` is created next to --database-url and dropped at the end.
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
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per round and kind (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each kind (default 2)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent paying tasks (default 8)")
    parser.add_argument("--merchants", type=int, default=4, help="merchants paid (default 4)")
    return parser.parse_args(argv)




async def _world(clients: int, merchants: int):  # type: ignore[no-untyped-def]
    """A partner, paying customers (one per client), merchants with a multi-use code each, a points programme with
    each payer holding many points, and one stackable campaign per client with many coupons each."""
    from datetime import timedelta

    from models import Coupon, Customer
    from services import clock
    from services.coupons.campaigns import CampaignTerms, create_campaign
    from services.ledger.posting import post_top_up
    from services.payment_requests.creation import create_payment_request
    from services.points.earning import earn
    from services.points.programs import ProgramTerms, create_program
    from services.points.rule_admin import RuleTerms, create_rule
    from services.points.rules import Spend
    from tests.integration.merchant_support import business, merchant_of
    from tests.integration.service_support import holder, new_partner

    bank = await new_partner("bench")
    funding = await business(bank)
    await post_top_up(principal=bank, wallet_id=funding.wallet_id, amount="990000.00", idempotency_key="bench-fund")  # under Class III's 1,000,000 CNY cap
    program = await create_program(principal=bank, terms=ProgramTerms(
        name="Bench Points", unit_code="BPT", value_amount="0.01", value_currency="CNY", expiry_months=12,
        funding_wallet_id=funding.wallet_id))
    await create_rule(principal=bank, program_id=program.id, terms=RuleTerms(kind="PAYMENT", points_per_unit=1,
                                                                             spend_unit="0.01"))
    codes = []
    for _ in range(merchants):
        merchant = await merchant_of(bank)
        codes.append((await create_payment_request(principal=bank, merchant_id=merchant.id, amount="60.00",
                                                   single_use=False)).payload)
    payers = []
    now = clock.now()
    for n in range(clients):
        payer = await holder(bank)
        await post_top_up(principal=bank, wallet_id=payer.wallet_id, amount="900000.00", idempotency_key=f"bench-p{n}")
        customer = await Customer.get(id=payer.customer_id)
        # 1,000,000 points (10,000.00 CNY, funded into the programme's reserve from the funding wallet as they are
        # earned): 10,000 coupon+points payments of 100 points each.
        await earn(customer=customer, currency="CNY", spend=Spend(kind="PAYMENT", amount_minor=1_000_000, at=now),
                   source_id=uuid.uuid4())
        campaign = await create_campaign(principal=bank, terms=CampaignTerms(
            name=f"Bench {n}", issuer="PARTNER", currency="CNY", budget="5000.00", funding_wallet_id=funding.wallet_id,
            discount_kind="FIXED", amount_off="5.00", percent_off_bps=None, max_discount=None, min_spend=None,
            valid_from=now - timedelta(days=1), valid_to=now + timedelta(days=1), per_customer_limit=1000,
            stackable=True, refund_rule="RESTORE", idempotency_key=f"bench-c{n}"))
        coupons = [Coupon(campaign_id=campaign.id, customer_id=payer.customer_id, partner_id=bank.partner_id,
                          status="ISSUED", source="ISSUED", issued_at=now) for _ in range(1000)]
        await Coupon.bulk_create(coupons)  # bench setup only: couponIssue gives one per call
        payers.append((payer, [c.id for c in coupons]))
    return bank, program, codes, payers



async def _run(kind: str, world, duration_s: float) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
    """One round of one kind: (successes, errors, seconds)."""
    from services.coupons.checkout import DiscountAsk
    from services.payments.paying import pay

    bank, program, codes, payers = world
    done = errors = 0
    deadline = time.monotonic() + duration_s

    async def client(index: int) -> None:
        nonlocal done, errors
        payer, coupons = payers[index]
        n = 0
        while time.monotonic() < deadline:
            discounts = None
            if kind == "points":
                discounts = DiscountAsk(points=100, points_program_id=program.id)
            elif kind != "plain":
                if not coupons:
                    return
                points = 100 if kind == "coupon+points" else None
                discounts = DiscountAsk(coupon_ids=(coupons.pop(),), points=points,
                                        points_program_id=program.id if points else None)
            try:
                await pay(principal=bank, from_wallet_id=payer.wallet_id, qr_payload=codes[(index + n) % len(codes)],
                          amount=None, idempotency_key=f"b-{kind[0]}-{index}-{uuid.uuid4().hex}", discounts=discounts)
                done += 1
            except Exception as exc:  # noqa: BLE001 - counted and named once
                errors += 1
                if errors <= 3:
                    print(f"  {kind} error: {type(exc).__name__}: {exc}")
            n += 1

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(len(payers))))
    return done, errors, time.monotonic() - started


async def main(args: argparse.Namespace) -> int:
    """Set up, run the alternating rounds, print the figures, verify the ledger, drop the database."""
    url, name = await fresh_database(args.database_url, "qianbao_bench_coupons")
    try:
        await apply_migrations(url)
        from services.caches import wire_caches
        from services.change_feed import listen, subscribe

        wire_caches(subscribe)  # as the server does: caches hear the change feed's announcements
        await init_orm(url)
        # The server's change listener: without it every cache re-reads on every posting (a query per posting the
        # served API does not run), so a kind with two postings would pay it twice.
        listener = asyncio.create_task(listen(asyncpg_dsn(url)))
        try:
            await listening()
            await lift_velocity()
            world = await _world(args.clients, args.merchants)
            totals = {"plain": [0, 0, 0.0], "points": [0, 0, 0.0], "coupon": [0, 0, 0.0], "coupon+points": [0, 0, 0.0]}
            locks = {kind: LockWaits() for kind in totals}
            for _ in range(args.rounds):
                for kind in totals:
                    sampler = LockSampler(asyncpg_dsn(url))  # are the long statements waiting on row locks?
                    await sampler.start()
                    ok, bad, seconds = await _run(kind, world, args.duration)
                    locks[kind].add(await sampler.stop())
                    totals[kind][0] += ok
                    totals[kind][1] += bad
                    totals[kind][2] += seconds
                    print(f"{kind:14s} {ok / seconds:8.1f} payments/s ({ok} in {seconds:.1f} s, {bad} errors)")
            rate = {k: v[0] / v[2] for k, v in totals.items()}
            print(f"pooled: plain {rate['plain']:.1f}/s, points {rate['points']:.1f}/s (ratio"
                  f" {rate['points'] / rate['plain']:.2f}), coupon {rate['coupon']:.1f}/s (ratio"
                  f" {rate['coupon'] / rate['plain']:.2f}), coupon+points {rate['coupon+points']:.1f}/s"
                  f" (ratio {rate['coupon+points'] / rate['plain']:.2f}; target >= 0.9)")
            for kind, waits in locks.items():
                print(f"{kind:14s} {waits.summary()}")
            from services.ledger.verify import verify_ledger

            report = await verify_ledger()
            print("ledger verify:", "OK" if report.ok else report.problems[:5])
            return 0 if report.ok else 1
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await close_orm()
    finally:
        await drop_database(args.database_url, name)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
