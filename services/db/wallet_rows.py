"""Wallet rows as the posting path reads them: what never changes (facts, cached) and what a lock reads.

Facts are cached per process (a wallet's partner, customer, currency and
ledger account never change), so a posting and a fee quote can check
currency, ownership and fees before any lock, with one query the first
time a process sees a wallet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections

from services.caches import WALLET_FACTS
from services.db.sql import as_uuid, fetch
from services.scoping import of_partner


@dataclass(frozen=True)
class LockedWallet:
    """A wallet and its account as read under the posting's row lock."""

    wallet_id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    currency: str
    account_id: int
    balance_minor: int
    held_minor: int


@dataclass(frozen=True)
class WalletFacts:
    """What never changes about a wallet."""

    partner_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    account_id: int

    def as_locked(self, wallet_id: uuid.UUID, status: str = "ACTIVE", balance: int = 0, held: int = 0) -> LockedWallet:
        """These facts with a status and balances, in the shape the posting rules check."""
        return LockedWallet(
            wallet_id=wallet_id, customer_id=self.customer_id, status=status, currency=self.currency,
            account_id=self.account_id, balance_minor=balance, held_minor=held,
        )


async def wallet_facts(partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, WalletFacts]:
    """The facts of those of wallet_ids that belong to the partner (another partner's wallet is missing)."""
    cache = WALLET_FACTS.data
    missing = [w for w in wallet_ids if w not in cache]
    if missing:
        placeholders = ", ".join(f"${i + 1}" for i in range(len(missing)))
        rows = await fetch(
            connections.get("default"),
            f"SELECT id, partner_id, customer_id, currency, account_id FROM wallet WHERE id IN ({placeholders})",
            list(missing),
        )
        for row in rows:
            WALLET_FACTS.put(as_uuid(row["id"]), WalletFacts(
                as_uuid(row["partner_id"]), as_uuid(row["customer_id"]), row["currency"], int(row["account_id"])
            ))
    return {w: cache[w] for w in wallet_ids if w in cache and of_partner(partner_id, cache[w].partner_id)}


async def wallet_facts_of(owners: list[tuple[uuid.UUID, uuid.UUID | None]]) -> dict[uuid.UUID, WalletFacts]:
    """For each (wallet, partner) pair, the wallet's facts if it belongs to that partner (missing otherwise): a
    posting across partners (a payment to another partner's merchant) reads every wallet it does not know yet in
    one query, as `wallet_facts` does for one partner's wallets."""
    await wallet_facts(None, [w for w, _ in owners])  # remembers the unknown ones; no partner owns any of them
    cache = WALLET_FACTS.data
    return {w: cache[w] for w, partner_id in owners if w in cache and of_partner(partner_id, cache[w].partner_id)}


async def any_wallet_facts(wallet_id: uuid.UUID) -> WalletFacts | None:
    """A wallet's facts whichever partner owns it (the caller decides who may use it); None if there is no such wallet."""
    await wallet_facts(None, [wallet_id])  # remembers it; no partner owns it for that call
    return WALLET_FACTS.data.get(wallet_id)
