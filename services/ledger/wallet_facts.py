"""What never changes about a wallet: its partner, customer, currency and ledger account.

Cached per process, so a posting can check currency, ownership and fees
before it takes any lock (one query the first time a process sees a wallet).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise import connections

from services.ledger.locking import LockedWallet
from services.ledger.sql import as_uuid, fetch


@dataclass(frozen=True)
class WalletFacts:
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


_facts: dict[uuid.UUID, WalletFacts] = {}
_FACTS_LIMIT = 200_000


async def wallet_facts(partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, WalletFacts]:
    """The facts of those of wallet_ids that belong to the partner (another partner's wallet is missing)."""
    missing = [w for w in wallet_ids if w not in _facts]
    if missing:
        placeholders = ", ".join(f"${i + 1}" for i in range(len(missing)))
        rows = await fetch(
            connections.get("default"),
            f"SELECT id, partner_id, customer_id, currency, account_id FROM wallet WHERE id IN ({placeholders})",
            list(missing),
        )
        if len(_facts) > _FACTS_LIMIT:
            _facts.clear()
        for row in rows:
            _facts[as_uuid(row["id"])] = WalletFacts(
                as_uuid(row["partner_id"]), as_uuid(row["customer_id"]), row["currency"], int(row["account_id"])
            )
    return {w: _facts[w] for w in wallet_ids if w in _facts and _facts[w].partner_id == partner_id}
