"""Row locks and balance updates on wallet accounts inside a posting transaction."""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import as_uuid, execute, fetch, is_postgres
from services.db.wallet_rows import LockedWallet


async def lock_wallets(conn: BaseDBAsyncClient, *, partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, LockedWallet]:
    """Lock the partner's wallets and their accounts, in account-id order, and read them."""
    placeholders = ", ".join(f"${i + 2}" for i in range(len(wallet_ids)))
    # FOR UPDATE takes the locks as the sorted rows are produced, so every
    # posting locks in the same global order and two transfers in opposite
    # directions cannot deadlock. SQLite has no row locks: Tortoise serialises
    # transactions on its single connection instead.
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    rows = await fetch(
        conn,
        "SELECT w.id AS wallet_id, w.customer_id, w.status, w.currency, a.id AS account_id, a.balance_minor, a.held_minor"
        " FROM wallet w JOIN account a ON a.id = w.account_id"
        f" WHERE w.partner_id = $1 AND w.id IN ({placeholders}) ORDER BY a.id{lock}",
        [partner_id, *wallet_ids],
    )
    result = {}
    for row in rows:
        wallet = LockedWallet(
            wallet_id=as_uuid(row["wallet_id"]), customer_id=as_uuid(row["customer_id"]), status=row["status"], currency=row["currency"],
            account_id=int(row["account_id"]), balance_minor=int(row["balance_minor"]), held_minor=int(row["held_minor"]),
        )
        result[wallet.wallet_id] = wallet
    return result


async def apply_balance_changes(conn: BaseDBAsyncClient, changes: dict[int, int]) -> None:
    """Add each net change to its (locked) wallet account's stored balance."""
    if not changes:
        return
    cases, values, ids = [], [], []
    for n, (account_id, delta) in enumerate(sorted(changes.items())):
        cases.append(f"WHEN ${2 * n + 1} THEN CAST(${2 * n + 2} AS BIGINT)")
        values += [account_id, delta]
        ids.append(f"${2 * n + 1}")
    # One statement for both sides of a transfer: one round trip, not two.
    updated = await execute(
        conn,
        f"UPDATE account SET balance_minor = balance_minor + CASE id {' '.join(cases)} ELSE 0 END"
        f" WHERE id IN ({', '.join(ids)})",
        values,
    )
    if updated != len(changes):
        raise RuntimeError(f"expected to update {len(changes)} accounts, updated {updated}")
