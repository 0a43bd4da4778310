#!/usr/bin/env python3
"""Settlement file import: lines per second on a 100,000-line file, and exactly the planted exceptions found.

A fresh SQLite database (or --database-url) is migrated, then:
- `--news` (default 1,000) real rail top-ups go the whole real way (the HELD posting, the transfer row, submission
  to the simulated rail, which schedules outcomes that are never delivered here): they are SUBMITTED, and the file
  settles them through services.rails.outcomes (the ledger posts each);
- the rest of the `--transfers` (default 100,000) are written in bulk as transfers the rail already SETTLED (with a
  POSTED transaction row each, no entries: this database is for timing the import, not for verifying the ledger);
  their lines are "already known" and change nothing;
- planted: `--mismatches` lines of settled transfers with another amount (AMOUNT_MISMATCH), `--unknown` lines with
  references nobody has (UNKNOWN_REFERENCE), `--missing` news transfers left off the file (MISSING_FROM_FILE, with
  --as-of tomorrow), and `--malformed` broken lines (bad amount, bad date, wrong column count; MALFORMED_LINE).
The file is shuffled (--seed), written to a temporary file, and imported once with the service (timed: reading,
matching, applying, storing exceptions); then imported again (timed: "already imported"). It prints lines/s and
checks that the exceptions found are exactly the planted ones, and that every news transfer settled.

Usage (project venv active):  python bench/reconciliation.py [--transfers 100000] [--news 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.principal import Principal  # noqa: E402
from auth.scopes import PARTNER_SCOPES  # noqa: E402

RAIL = "simulated"
BULK_BATCH = 2_000


async def _holders(principal: Principal, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`count` KYC'd customers of the partner, one CNY wallet each: (customer id, wallet id)."""
    from services.customers import create_customer
    from services.wallets import open_wallet
    from tests.factories import grant_tier

    made = []
    for n in range(count):
        customer = await create_customer(principal=principal, external_ref=f"bench-{n}", kind="INDIVIDUAL",
                                         display_name=f"Bench {n}", country="CN")
        await grant_tier(customer.id, 3)
        wallet = await open_wallet(principal=principal, customer_id=customer.id, currency="CNY")
        made.append((customer.id, wallet.id))
    return made


async def _news(principal: Principal, holders: list[tuple[uuid.UUID, uuid.UUID]], count: int) -> list[tuple[str, int]]:
    """Real top-ups submitted to the simulated rail: (reference, amount minor) of each that reached SUBMITTED."""
    from models import RailTransfer
    from services.rails.sources import FundingSource
    from services.rails.submission import submit_transfer
    from services.rails.transfers import RailRequest, post_rail_transfer

    for n in range(count):
        customer_id, wallet_id = holders[n % len(holders)]
        req = RailRequest(direction="IN", wallet_id=wallet_id, source_kind="BANK_ACCOUNT", source_id=None,
                          amount=f"{1 + n % 50}.{n % 100:02d}", idempotency_key=f"bench-news-{n}")
        txn = await post_rail_transfer(principal=principal, req=req, source=FundingSource(
            kind="BANK_ACCOUNT", id=uuid.uuid4(), customer_id=customer_id))
        await submit_transfer((await RailTransfer.get(transaction_id=txn.id)).id)
    return list(await RailTransfer.filter(rail=RAIL, status="SUBMITTED").values_list("rail_reference", "amount_minor"))


async def _bulk_settled(principal: Principal, wallet_id: uuid.UUID, count: int) -> list[tuple[str, int]]:
    """`count` transfers the rail already settled, written in bulk: (reference, amount minor) of each."""
    from models import RailTransfer, Transaction
    from models.enums import TransactionKind, TransactionStatus
    from services import clock

    settled_at = clock.now() - timedelta(days=1)
    made = []
    for start in range(0, count, BULK_BATCH):
        transactions, transfers = [], []
        for n in range(start, min(start + BULK_BATCH, count)):
            amount = 100 + n % 100_000
            txn = Transaction(id=uuid.uuid4(), partner_id=principal.partner_id, kind=TransactionKind.TOP_UP,
                              status=TransactionStatus.POSTED, currency="CNY", amount_minor=amount, to_wallet_id=wallet_id,
                              idempotency_key=f"bench-bulk-{n}")
            transactions.append(txn)
            reference = f"bulk_{n:07d}"
            transfers.append(RailTransfer(
                id=uuid.uuid4(), partner_id=principal.partner_id, wallet_id=wallet_id, direction="IN", rail=RAIL,
                source_kind="BANK_ACCOUNT", source_id=uuid.uuid4(), amount_minor=amount, currency="CNY",
                transaction_id=txn.id, status="SETTLED", rail_reference=reference, submitted_at=settled_at,
                settled_at=settled_at))
            made.append((reference, amount))
        await Transaction.bulk_create(transactions)
        await RailTransfer.bulk_create(transfers)
    return made


def _amount(minor: int) -> str:
    """A CNY amount in minor units as the file's decimal text."""
    return f"{minor // 100}.{minor % 100:02d}"


async def run(args: argparse.Namespace) -> int:
    """Build the world, the file, import it twice; print the figures; 0 when exactly the planted exceptions were found."""
    from models import RailTransfer, ReconciliationException
    from services import clock
    from services.ledger.posting import post_top_up
    from services.partners.onboarding import create_partner
    from services.rails import registry
    from services.rails.config import SimulatedRailSettings
    from services.rails.simulated import SimulatedRail
    from services.reconciliation.importing import import_settlement_file

    registry.register(SimulatedRail(RAIL, SimulatedRailSettings(latency_s=0, return_latency_s=0)))  # type: ignore[call-arg]
    rng = random.Random(args.seed)
    created = await create_partner(name="bench-reconciliation")
    principal = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                          scopes=frozenset(PARTNER_SCOPES))
    started = time.perf_counter()
    holders = await _holders(principal, max(1, args.news // 20))
    await post_top_up(principal=principal, wallet_id=holders[0][1], amount="1.00", idempotency_key="bench-open")
    news = await _news(principal, holders, args.news)
    bulk = await _bulk_settled(principal, holders[0][1], args.transfers - args.news)
    print(f"world: {len(news)} SUBMITTED transfers (of {args.news} started), {len(bulk)} settled in bulk,"
          f" built in {time.perf_counter() - started:.1f} s")

    today = clock.now().date().isoformat()
    missing = news[:args.missing]
    lines = [f"{ref},{_amount(minor)},CNY,{today},SETTLED" for ref, minor in news[args.missing:]]
    mismatched = rng.sample(range(len(bulk)), args.mismatches)
    for index, (ref, minor) in enumerate(bulk):
        lines.append(f"{ref},{_amount(minor + (1 if index in mismatched else 0))},CNY,{today},SETTLED")
    lines += [f"nobody_{n},1.00,CNY,{today},SETTLED" for n in range(args.unknown)]
    broken = ["{ref},12.345,CNY,{day},SETTLED", "{ref},1.00,CNY,31/12/2026,SETTLED", "{ref},1.00,CNY"]
    lines += [broken[n % 3].format(ref=f"broken_{n}", day=today) for n in range(args.malformed)]
    rng.shuffle(lines)
    content = ("reference,amount,currency,value_date,status\n" + "\n".join(lines) + "\n").encode()
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as handle:
        handle.write(content)
    print(f"file: {len(lines)} lines, {len(content) / 1e6:.1f} MB ({handle.name})")

    as_of = clock.now().date() + timedelta(days=1)
    started = time.perf_counter()
    report = await import_settlement_file(content=Path(handle.name).read_bytes(), name="bench.csv", rail=RAIL,
                                          as_of=as_of)
    took = time.perf_counter() - started
    print(f"import : {report.lines} lines in {took:.2f} s = {report.lines / took:,.0f} lines/s"
          f" ({report.counts['applied']} outcomes applied through the rails' handler,"
          f" {report.counts['unchanged']} already known)")
    started = time.perf_counter()
    again = await import_settlement_file(content=Path(handle.name).read_bytes(), name="bench.csv", rail=RAIL,
                                         as_of=as_of)
    print(f"again  : already imported={again.already_imported} in {time.perf_counter() - started:.3f} s")
    Path(handle.name).unlink()

    planted = Counter({"AMOUNT_MISMATCH": args.mismatches, "UNKNOWN_REFERENCE": args.unknown,
                       "MISSING_FROM_FILE": len(missing), "MALFORMED_LINE": args.malformed})
    found = Counter(await ReconciliationException.all().values_list("kind", flat=True))
    found_missing = set(await ReconciliationException.filter(kind="MISSING_FROM_FILE").values_list("reference", flat=True))
    settled = await RailTransfer.filter(rail=RAIL, rail_reference__in=[ref for ref, _ in news[args.missing:]],
                                        status="SETTLED").count()
    exact = (found == planted and found_missing == {ref for ref, _ in missing}
             and settled == len(news) - len(missing) and again.already_imported)
    print(f"planted: {dict(planted)}")
    print(f"found  : {dict(found)}; news settled {settled}/{len(news) - len(missing)}")
    print("exactly the planted exceptions were found" if exact else "MISMATCH between planted and found")
    return 0 if exact else 1


def main() -> int:
    """Parse the options, run on a fresh database, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--news", type=int, default=1_000)
    parser.add_argument("--mismatches", type=int, default=7)
    parser.add_argument("--unknown", type=int, default=11)
    parser.add_argument("--missing", type=int, default=5)
    parser.add_argument("--malformed", type=int, default=9)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    from api.cli.common import run_with_db

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite://{tmp}/bench.sqlite3"
        return run_with_db(url, lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
