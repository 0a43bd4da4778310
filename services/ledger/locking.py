"""Row locks and balance updates on wallet accounts inside a posting transaction: the one lock query.

Every lock of wallet accounts takes them in account-id order (FOR UPDATE
takes the locks as the sorted rows are produced), so any two postings — two
transfers in opposite directions, or a posting and a hold's release — lock
in the same global order and cannot deadlock. SQLite has no row locks:
Tortoise serialises transactions on its single connection instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from services.db.sql import as_uuid, execute, fetch, is_postgres
from services.db.wallet_rows import LockedWallet
from services.scoping import tenant_clause

_WALLET_ROWS = (
    "SELECT w.id AS wallet_id, w.customer_id, w.status, w.currency, a.id AS account_id, a.balance_minor, a.held_minor,"
    " c.screening_status, c.country, c.kyc_tier"
    " FROM account a JOIN wallet w ON w.account_id = a.id JOIN customer c ON c.id = w.customer_id"
)


async def _lock_rows(conn: BaseDBAsyncClient, where: str, values: list[Any]) -> list[dict[str, Any]]:
    """Lock and read wallet accounts with their wallet and customer, in account-id order."""
    lock = " FOR UPDATE OF a, w" if is_postgres(conn) else ""  # the customer row is read, not locked
    return await fetch(conn, f"{_WALLET_ROWS} WHERE {where} ORDER BY a.id{lock}", values)


def _wallets_of(partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> tuple[str, list[Any]]:
    """The WHERE clause (and its values) naming the partner's wallets."""
    tenant, values = tenant_clause(partner_id, "w.partner_id", 1)
    placeholders = ", ".join(f"${i + 2}" for i in range(len(wallet_ids)))
    return f"{tenant} AND w.id IN ({placeholders})", [*values, *wallet_ids]


def wallet_rows_sql(*, partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> tuple[str, list[Any]]:
    """SQLite: the read lock_wallets locks with (SQLite has no row locks: the transaction holds the database)."""
    where, values = _wallets_of(partner_id, wallet_ids)
    return f"{_WALLET_ROWS} WHERE {where} ORDER BY a.id", values


async def lock_wallets(conn: BaseDBAsyncClient, *, partner_id: uuid.UUID | None, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, LockedWallet]:
    """Lock the partner's wallets and their accounts, in account-id order, and read them."""
    return locked_wallets(await _lock_rows(conn, *_wallets_of(partner_id, wallet_ids)))


def locked_wallets(rows: list[dict[str, Any]]) -> dict[uuid.UUID, LockedWallet]:
    """The locked wallets by id, from the lock query's rows."""
    result = {}
    for row in rows:
        wallet = LockedWallet(
            wallet_id=as_uuid(row["wallet_id"]), customer_id=as_uuid(row["customer_id"]), status=row["status"], currency=row["currency"],
            account_id=int(row["account_id"]), balance_minor=int(row["balance_minor"]), held_minor=int(row["held_minor"]),
        )
        result[wallet.wallet_id] = wallet
    return result


async def lock_wallet_accounts(conn: BaseDBAsyncClient, account_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Lock those of the accounts that are wallet accounts (system accounts are not locked), with their wallet and customer."""
    placeholders = ", ".join(f"${i + 1}" for i in range(len(account_ids)))
    rows = await _lock_rows(conn, f"a.id IN ({placeholders})", list(account_ids))
    return {int(r["account_id"]): r for r in rows}


def balance_changes_sql(changes: dict[int, int]) -> tuple[str, list[Any]]:
    """The one UPDATE that adds each net change to its wallet account's stored balance."""
    cases, values, ids = [], [], []
    for n, (account_id, delta) in enumerate(sorted(changes.items())):
        cases.append(f"WHEN ${2 * n + 1} THEN CAST(${2 * n + 2} AS BIGINT)")
        values += [account_id, delta]
        ids.append(f"${2 * n + 1}")
    # One statement for both sides of a transfer: one round trip, not two.
    return (f"UPDATE account SET balance_minor = balance_minor + CASE id {' '.join(cases)} ELSE 0 END"
            f" WHERE id IN ({', '.join(ids)})", values)


async def apply_balance_changes(conn: BaseDBAsyncClient, changes: dict[int, int]) -> None:
    """Add each net change to its (locked) wallet account's stored balance."""
    if not changes:
        return
    updated = await execute(conn, *balance_changes_sql(changes))
    if updated != len(changes):
        raise RuntimeError(f"expected to update {len(changes)} accounts, updated {updated}")


RESERVE_SQL = "UPDATE account SET held_minor = held_minor + $1 WHERE id = $2"


async def reserve(conn: BaseDBAsyncClient, account_id: int, amount_minor: int) -> None:
    """Change a (locked) wallet account's reserved funds by amount_minor (negative ends a reservation)."""
    await execute(conn, RESERVE_SQL, [amount_minor, account_id])
