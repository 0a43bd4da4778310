"""`qianbao demo`: seed a small demo bank with two partners and some money movements."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import WatchlistEntry
from services.customers import create_customer
from services.demo_history import HistoryReport, seed_history
from services.screening.customer_screening import announce_after_hold
from services.screening.watchlist import load_watchlist_csv
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.partners.onboarding import create_partner
from services.partners.records import NewPartner
from services.wallets import open_wallet

_DEMO_CUSTOMERS = [
    ("alice-001", "INDIVIDUAL", "Alice Wang", "alice@example.com", "CN"),
    ("bob-002", "INDIVIDUAL", "Bob Li", "bob@example.com", "CN"),
    ("teashop-003", "BUSINESS", "Jasmine Tea Shop Ltd", "owner@teashop.example", "CN"),
]


EXAMPLE_WATCHLIST = Path(__file__).resolve().parents[1] / "data" / "watchlist" / "example.csv"
# Onboarded by the first demo partner: a respelling of a fictional entry of
# the example list, so the demo shows a screening hold and its alert.
_LISTED_CUSTOMER = ("walkin-004", "INDIVIDUAL", "Welimir Draschkow", "walkin@example.com", "CN")


@dataclass(frozen=True)
class DemoPartner:
    name: str
    credentials: NewPartner
    wallet_ids: list[str]
    history: HistoryReport | None = None


async def seed_demo(*, run_id: str, history_days: int = 0) -> list[DemoPartner]:
    """Create two partners with customers, wallets and a few movements; return their credentials.

    With the repository's example watchlist at hand and no list loaded yet,
    it is loaded first, and the first partner onboards one listed name.
    history_days > 0 (what `qianbao demo` asks for) adds that many past days of daily activity for
    each partner (services.demo_history), so dashboards show weeks of history on first start.
    """
    screening = EXAMPLE_WATCHLIST.is_file() and not await WatchlistEntry.exists()
    if screening:
        await load_watchlist_csv(EXAMPLE_WATCHLIST)
    seeded = []
    for partner_name in ("Demo Pay", "Demo Remit"):
        creds = await create_partner(name=f"{partner_name} {run_id}")
        principal = Principal(
            kind="partner", subject=creds.client.client_id, partner_id=creds.partner.id, scopes=frozenset(PARTNER_SCOPES)
        )
        wallets = []
        for ref, kind, name, email, country in _DEMO_CUSTOMERS:
            customer = await create_customer(
                principal=principal, external_ref=ref, kind=kind, display_name=name, email=email, country=country
            )
            wallets.append(await open_wallet(principal=principal, customer_id=customer.id, currency="CNY"))
        wallet_ids = [str(w.id) for w in wallets]
        history = None
        if history_days > 0:  # first, so that every past day comes before today's movements
            history = await seed_history(principal, run_id=run_id, wallet_ids=wallet_ids, days=history_days,
                                         seed=len(seeded))
        await post_top_up(principal=principal, wallet_id=wallets[0].id, amount="1000.00", idempotency_key=f"demo-{run_id}-1")
        await post_top_up(principal=principal, wallet_id=wallets[2].id, amount="250.50", idempotency_key=f"demo-{run_id}-2")
        await post_transfer(
            principal=principal, from_wallet_id=wallets[0].id, to_wallet_id=wallets[1].id, amount="88.88",
            idempotency_key=f"demo-{run_id}-3", memo="dinner",
        )
        await post_withdrawal(principal=principal, wallet_id=wallets[0].id, amount="100", idempotency_key=f"demo-{run_id}-4")
        if screening and not seeded:
            ref, kind, name, email, country = _LISTED_CUSTOMER
            await create_customer(principal=principal, external_ref=ref, kind=kind, display_name=name, email=email, country=country)
            await announce_after_hold()
        seeded.append(DemoPartner(name=creds.partner.name, credentials=creds, wallet_ids=wallet_ids, history=history))
    return seeded
