"""A fresh partner with wallets, made through the real services, and raw reads of its stored balances."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from tortoise import connections

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from services.customers import create_customer
from tests.factories import DEFAULT_TEST_TIER, UNLIMITED_COUNTRY, ensure_unlimited_pack, grant_tier
from services.ledger.posting import post_top_up
from services.db.sql import fetch
from services.partners.onboarding import create_partner
from services.wallets import open_wallet

_books = itertools.count(1)


@dataclass
class Books:
    principal: Principal
    wallet_ids: list[uuid.UUID]

    @property
    def partner_id(self) -> uuid.UUID:
        assert self.principal.partner_id is not None
        return self.principal.partner_id


async def open_books(currencies: list[str] | tuple[str, ...], *, fund: str | None = None) -> Books:
    """A new partner with one customer and one wallet per currency given, each topped up by `fund` if set."""
    n = next(_books)
    await ensure_unlimited_pack()
    created = await create_partner(name=f"books-{n:04d}")
    principal = Principal(
        kind="partner", subject=created.client.client_id, partner_id=created.partner.id, scopes=frozenset(PARTNER_SCOPES)
    )
    customer = await create_customer(
        principal=principal, external_ref=f"books-{n:04d}", kind="INDIVIDUAL", display_name="Books", country=UNLIMITED_COUNTRY
    )
    await grant_tier(customer.id, DEFAULT_TEST_TIER)
    wallet_ids = []
    for currency in currencies:
        wallet = await open_wallet(principal=principal, customer_id=customer.id, currency=currency)
        wallet_ids.append(wallet.id)
    books = Books(principal=principal, wallet_ids=wallet_ids)
    if fund is not None:
        for i, wallet_id in enumerate(wallet_ids):
            await post_top_up(principal=principal, wallet_id=wallet_id, amount=fund, idempotency_key=f"fund-{i}")
    return books


async def stored_balances(books: Books) -> list[int]:
    """The wallets' stored balances in minor units, in wallet order, read in one query."""
    rows = await fetch(
        connections.get("default"),
        "SELECT w.id AS wallet_id, a.balance_minor FROM wallet w JOIN account a ON a.id = w.account_id WHERE w.partner_id = $1",
        [books.partner_id],
    )
    by_id = {str(row["wallet_id"]): int(row["balance_minor"]) for row in rows}
    return [by_id[str(w)] for w in books.wallet_ids]


async def entry_sums(books: Books) -> list[int]:
    """Per wallet, in wallet order: the sum of its account's ledger entries."""
    rows = await fetch(
        connections.get("default"),
        "SELECT w.id AS wallet_id, COALESCE(SUM(e.amount_minor), 0) AS total FROM wallet w"
        " LEFT JOIN ledger_entry e ON e.account_id = w.account_id WHERE w.partner_id = $1 GROUP BY w.id",
        [books.partner_id],
    )
    by_id = {str(row["wallet_id"]): int(row["total"]) for row in rows}
    return [by_id[str(w)] for w in books.wallet_ids]


async def partner_counts(books: Books) -> dict[str, int]:
    """How many transactions, entries and idempotency records the partner has."""
    row = (await fetch(
        connections.get("default"),
        "SELECT (SELECT COUNT(*) FROM ledger_transaction WHERE partner_id = $1) AS transactions,"
        " (SELECT COUNT(*) FROM ledger_entry WHERE partner_id = $1) AS entries,"
        " (SELECT COUNT(*) FROM idempotency_record WHERE partner_id = $1) AS keys",
        [books.partner_id],
    ))[0]
    return {k: int(v) for k, v in row.items()}
