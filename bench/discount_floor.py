#!/usr/bin/env python3
"""The least PostgreSQL work a coupon+points payment adds to a plain one: two hand-written statements, no API code.

Issue 15 asks payments with a coupon and points to run at 0.9x plain payments. This bench asks how much of that
budget the database alone must spend, whatever the application does. On one connection, in alternating rounds, it
runs two autocommitted statements over the real schema (every index, foreign key and trigger of a migrated
database) and reads that backend's CPU from /proc:

  plain    what a plain payment to a DEFERRED merchant must write: the payer's balance (guarded), the PAYMENT
           transaction, its two entries, the payment row, the idempotency record and three events
           (transaction.posted, payment.succeeded for each partner)
  discount the same, plus only what the issue's guarantees need: the coupon made REDEEMED (used once), the
           campaign's budget raised within it (the budget), the payer's use count raised within its limit (the
           per-customer limit), the customer's POINTS balance lowered (points held), and four more entries (the
           coupon budget's and the points reserve's funded legs, the points' two legs): the points stay a ledger
           asset and every currency balances

Neither statement checks limits, tiers, freezes or fees, writes a redemption row, a points transaction of its own,
coupon or points events, or locks a row before it updates it, as the engine does: what it prints is a floor, not
what the API could reach. It says how large the discount's database work is against the budget 0.9 leaves (about
11 % of a plain payment's whole CPU, server and PostgreSQL together, as bench/transfers.py --all-paths prints it).

  python bench/discount_floor.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database `qianbao_bench_floor_<random>` is made with bench/coupon_payments.py's world for one payer and
dropped at the end; the rows these statements write are not the engine's (no `ledger verify`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402

from api.db import apply_migrations, asyncpg_dsn, close_orm, init_orm  # noqa: E402
from bench.in_process import drop_database, fresh_database, lift_velocity  # noqa: E402

# $1 transaction id, $2 payer's partner, $3 what the payer pays, $4 payer's account, $5 payer's wallet, $6 merchant's
# settlement wallet, $7 idempotency key, $8 payment id, $9 merchant's partner, $10 merchant, $11 payment request,
# $12 clearing (DEFERRED), $13 the account credited with the whole amount (the merchant's clearing account).
_COMMON = """
 a AS (UPDATE account SET balance_minor = balance_minor - $3 WHERE id = $4 AND balance_minor >= $3 RETURNING id),
 t AS (INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor, fee_breakdown,
   from_wallet_id, to_wallet_id, memo, idempotency_key, hold_minor, created_at)
   SELECT $1, $2, 'PAYMENT', 'POSTED', 'CNY', 6000, 0, '{}'::jsonb, $5, $6, NULL, $7, 0, now() FROM a),
 i AS (INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)
   SELECT $2, $7, 'floor', 'paymentCreate', $1, now() FROM a),
 p AS (INSERT INTO payment (id, partner_id, merchant_partner_id, merchant_id, payment_request_id, transaction_id,
   payer_wallet_id, amount_minor, currency, refunded_minor, created_at, clearing)
   SELECT $8, $2, $9, $10, $11, $1, $5, 6000, 'CNY', 0, now(), $12 FROM a),
 ev AS (INSERT INTO domain_event (partner_id, type, object_type, object_id, payload, occurred_at)
   SELECT x.p, x.t, 'Payment', $1::text, '{"floor": true}'::jsonb, now() FROM a,
   (VALUES ($2::uuid, 'transaction.posted'), ($2::uuid, 'payment.succeeded'), ($9::uuid, 'payment.succeeded')) x(p, t))"""
PLAIN = ("WITH" + _COMMON + """,
 e AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)
   SELECT $1, x.acc, x.amt, 'CNY', $2, now() FROM a,
   unnest(ARRAY[$4::bigint, $13::bigint], ARRAY[-$3::bigint, 6000::bigint]) x(acc, amt))
 SELECT count(*) AS written FROM a""")
# $14 the campaign's budget account, $15 the programme's reserve, $16 the customer's POINTS account, $17 the
# programme's REDEEMED account, $18 the coupon, $19 its campaign, $20 the payer's use row of the campaign.
DISCOUNT = ("WITH" + _COMMON + """,
 e AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)
   SELECT $1, x.acc, x.amt, x.cur, $2, now() FROM a,
   unnest(ARRAY[$4::bigint, $13::bigint, $14::bigint, $15::bigint, $16::bigint, $17::bigint],
          ARRAY[-$3::bigint, 6000::bigint, -500::bigint, -100::bigint, -100::bigint, 100::bigint],
          ARRAY['CNY', 'CNY', 'CNY', 'CNY', 'BPT', 'BPT']) x(acc, amt, cur)),
 k AS (UPDATE coupon SET status = 'REDEEMED', payment_id = $8, discount_minor = 500, redeemed_at = now()
   WHERE id = $18 AND status = 'ISSUED' AND EXISTS (SELECT 1 FROM a)),
 cb AS (UPDATE coupon_campaign SET budget_used_minor = budget_used_minor + 500
   WHERE id = $19 AND budget_used_minor + 500 <= budget_minor AND EXISTS (SELECT 1 FROM a)),
 cu AS (UPDATE coupon_use SET used = used + 1 WHERE id = $20 AND used < 1000 AND EXISTS (SELECT 1 FROM a)),
 pt AS (UPDATE account SET balance_minor = balance_minor - 100
   WHERE id = $16 AND balance_minor >= 100 AND EXISTS (SELECT 1 FROM a))
 SELECT count(*) AS written FROM a""")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL whose server hosts the bench database")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each statement (default 4)")
    parser.add_argument("--per-round", type=int, default=240,
                        help="statements per round and kind (default 240; rounds x per-round coupons are used, at most 990)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.per_round < 50 or args.rounds * args.per_round > 990:
        parser.error("at least 1 round of at least 50, and at most 990 discounted statements (the payer's coupons)")
    return args


def backend_cpu_s(pid: int) -> float:
    """A PostgreSQL backend's CPU seconds so far (user + system, /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _ids() -> dict:
    """The ids both statements need, from bench/coupon_payments.py's world for one payer and one merchant."""
    from tortoise import connections

    from bench.coupon_payments import _world
    from models import CouponCampaign, Merchant, PaymentRequest, PointsAccount, PointsProgram, Wallet
    from services.coupons.uses import ensure_use

    bank, program, _codes, payers = await _world(1, 1)
    payer, coupons = payers[0]
    request = await PaymentRequest.all().first()
    merchant = await Merchant.get(id=request.merchant_id)  # type: ignore[union-attr]
    campaign = await CouponCampaign.get(id=(await _coupon_campaign(coupons[0])))
    conn = connections.get("default")
    await ensure_use(conn, campaign_id=campaign.id, customer_id=payer.customer_id)  # bulk-made coupons made none
    use_rows = await conn.execute_query_dict("SELECT id FROM coupon_use WHERE campaign_id = $1 AND customer_id = $2",
                                             [campaign.id, payer.customer_id])
    programme = await PointsProgram.get(id=program.id)
    return {
        "partner": bank.partner_id, "payer_account": (await Wallet.get(id=payer.wallet_id)).account_id,
        "payer_wallet": payer.wallet_id, "merchant_wallet": merchant.settlement_wallet_id,
        "merchant_partner": merchant.partner_id, "merchant": merchant.id, "request": request.id,  # type: ignore[union-attr]
        "clearing": merchant.clearing_account_id is not None,
        "credited": merchant.clearing_account_id or (await Wallet.get(id=merchant.settlement_wallet_id)).account_id,
        "budget": campaign.budget_account_id, "reserve": programme.reserve_account_id,
        "points": (await PointsAccount.get(customer_id=payer.customer_id, program_id=program.id)).account_id,
        "redeemed": programme.redeemed_account_id, "coupons": list(coupons), "campaign": campaign.id,
        "use": use_rows[0]["id"],
    }


async def _coupon_campaign(coupon_id: uuid.UUID) -> uuid.UUID:
    """The campaign a coupon belongs to."""
    from models import Coupon

    return (await Coupon.get(id=coupon_id)).campaign_id  # type: ignore[attr-defined]


def values(ids: dict, *, discount: bool, coupon: uuid.UUID | None = None) -> list:
    """One statement's parameters: fresh transaction, payment and key; the payer pays 60.00 less 6.00 when discounted."""
    common = [uuid.uuid4(), ids["partner"], 5400 if discount else 6000, ids["payer_account"], ids["payer_wallet"],
              ids["merchant_wallet"], f"floor-{uuid.uuid4().hex}", uuid.uuid4(), ids["merchant_partner"],
              ids["merchant"], ids["request"], ids["clearing"], ids["credited"]]
    if not discount:
        return common
    return common + [ids["budget"], ids["reserve"], ids["points"], ids["redeemed"], coupon, ids["campaign"], ids["use"]]


async def main(args: argparse.Namespace) -> int:
    """Set up, run the alternating rounds, print each statement's backend CPU and the difference."""
    url, name = await fresh_database(args.database_url, "qianbao_bench_floor")
    try:
        await apply_migrations(url)
        await init_orm(url)
        try:
            await lift_velocity()
            ids = await _ids()
        finally:
            await close_orm()
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            plain, discount = await conn.prepare(PLAIN), await conn.prepare(DISCOUNT)
            coupons = iter(ids["coupons"])
            for _ in range(10):  # warm-up: plans, caches; each must write
                assert await plain.fetchval(*values(ids, discount=False)) == 1
                assert await discount.fetchval(*values(ids, discount=True, coupon=next(coupons))) == 1
            figures: dict[str, list[tuple[float, float]]] = {"plain": [], "discount": []}
            for _ in range(args.rounds):
                for kind, statement in (("plain", plain), ("discount", discount)):
                    cpu, wall = backend_cpu_s(pid), time.perf_counter()
                    for _ in range(args.per_round):
                        args_ = values(ids, discount=kind == "discount",
                                       coupon=next(coupons) if kind == "discount" else None)
                        if await statement.fetchval(*args_) != 1:
                            raise RuntimeError(f"the {kind} statement wrote nothing")
                    figures[kind].append((1000 * (backend_cpu_s(pid) - cpu) / args.per_round,
                                          1000 * (time.perf_counter() - wall) / args.per_round))
            redeemed = await conn.fetchval("SELECT count(*) FROM coupon WHERE status = 'REDEEMED'")
        finally:
            await conn.close()
        print(f"\n{args.rounds} alternating rounds of {args.per_round} statements each, one connection"
              f" (backend CPU from /proc: {1000 / os.sysconf('SC_CLK_TCK') / args.per_round:.3f} ms resolution)")
        for kind, rows in figures.items():
            print(f"{kind:<9} PostgreSQL CPU {statistics.median(r[0] for r in rows):.3f} ms/statement (median),"
                  f" round trip {statistics.median(r[1] for r in rows):.3f} ms; rounds: "
                  + " ".join(f"{r[0]:.3f}" for r in rows))
        extra = statistics.median(r[0] for r in figures["discount"]) - statistics.median(r[0] for r in figures["plain"])
        print(f"the discount's least PostgreSQL work: {extra:.3f} ms a payment ({redeemed} coupons redeemed)")
        return 0
    finally:
        await drop_database(args.database_url, name)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
