"""services.demo: `qianbao demo` seeds two partners, their customers, wallets and a few movements."""

from __future__ import annotations

import itertools
import uuid

from models import Account, Customer, Transaction, Wallet, WatchlistEntry
from services.demo import EXAMPLE_WATCHLIST, seed_demo
from services.ledger.verify import verify_ledger
from services.screening.watchlist import remove_watchlists

_runs = itertools.count(1)


async def balance(wallet_id: str) -> int:
    wallet = await Wallet.get(id=uuid.UUID(wallet_id))
    return (await Account.get(id=wallet.account_id)).balance_minor  # type: ignore[attr-defined]


def test_the_example_watchlist_ships_with_the_repository():
    assert EXAMPLE_WATCHLIST.is_file()
    assert EXAMPLE_WATCHLIST.read_text(encoding="utf-8").strip()


async def test_the_demo_seeds_two_partners_with_money_that_balances(database_url):
    # With a list already loaded the demo loads no example list (which would screen the shared test database).
    sentinel_list = "qa-demo-sentinel"
    await WatchlistEntry.create(list_id=sentinel_list, name="Sentinel Demo Entry", aliases=[])
    run = f"t{next(_runs):03d}"
    try:
        seeded = await seed_demo(run_id=run)
    finally:
        await remove_watchlists([sentinel_list])
    assert [p.name for p in seeded] == [f"Demo Pay {run}", f"Demo Remit {run}"]
    assert seeded[0].credentials.client.client_id != seeded[1].credentials.client.client_id
    assert all(p.credentials.client_secret for p in seeded)
    for partner in seeded:
        partner_id = partner.credentials.partner.id
        refs = sorted(await Customer.filter(partner_id=partner_id).values_list("external_ref", flat=True))
        assert refs == ["alice-001", "bob-002", "teashop-003"]  # no listed walk-in: screening was not demonstrated
        movements = await Transaction.filter(partner_id=partner_id)
        assert sorted((t.kind.value, t.amount_minor, t.status.value, t.memo) for t in movements) == [
            ("TOP_UP", 25_050, "POSTED", None), ("TOP_UP", 100_000, "POSTED", None), ("TRANSFER", 8_888, "POSTED", "dinner"),
            ("WITHDRAWAL", 10_000, "POSTED", None),
        ]
        assert [await balance(w) for w in partner.wallet_ids] == [100_000 - 8_888 - 10_000, 8_888, 25_050]
    assert (await verify_ledger()).ok
