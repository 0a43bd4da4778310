"""Reading transactions and entries back, always through the partner scope, as records (never ORM rows)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import Entry, Transaction, Wallet
from services.errors import NotFound
from services.ledger.records import EntryRecord, TransactionRecord
from services.pagination import Page, grouped_keyset_ids, keyset_page, map_page, page_from_ids
from services.scoping import get_scoped, partner_scoped


async def get_transaction(*, principal: Principal, transaction_id: uuid.UUID | None) -> TransactionRecord:
    """One of the partner's transactions, or NotFound."""
    row = await get_scoped(Transaction, principal, transaction_id, what="transaction", field=["id"])
    return TransactionRecord.from_row(row)


async def list_transactions(
    *, principal: Principal, first: int | None, after: str | None, wallet_id: uuid.UUID | None = None
) -> Page[TransactionRecord]:
    """The partner's transactions (optionally one wallet's), newest first."""
    if wallet_id is None:
        page = await keyset_page(partner_scoped(Transaction, principal), first=first, after=after, newest_first=True)
        return map_page(page, TransactionRecord.from_row)
    wallet = await partner_scoped(Wallet, principal).get_or_none(id=wallet_id)
    if wallet is None:
        raise NotFound("wallet not found", field=["walletId"])
    account_id = wallet.account_id  # type: ignore[attr-defined]
    pages = await transaction_pages_by_account(principal=principal, account_ids=[account_id], first=first, after=after)
    return pages[account_id]


async def transaction_pages_by_account(
    *, principal: Principal, account_ids: list[int], first: int | None, after: str | None
) -> dict[int, Page[TransactionRecord]]:
    """For many wallet accounts at once, a page of each one's newest transactions: two queries in all."""
    size, ids_by_account = await grouped_keyset_ids(
        table="ledger_entry", group_column="account_id", id_column="transaction_id",
        principal=principal, group_ids=account_ids, first=first, after=after, newest_first=True,
    )
    wanted = list({tid for ids in ids_by_account.values() for tid in ids})
    rows = await partner_scoped(Transaction, principal).filter(id__in=wanted) if wanted else []
    by_id = {row.id: TransactionRecord.from_row(row) for row in rows}
    return {
        account_id: page_from_ids(ids_by_account.get(account_id, []), by_id, size=size, after=after)
        for account_id in account_ids
    }


async def entries_by_transaction(*, principal: Principal, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EntryRecord]]:
    """The entries of several transactions in one query, with their accounts' kinds."""
    rows = await partner_scoped(Entry, principal).filter(transaction_id__in=transaction_ids).select_related("account").order_by("id")
    grouped: dict[uuid.UUID, list[EntryRecord]] = {tid: [] for tid in transaction_ids}
    for row in rows:
        grouped.setdefault(row.transaction_id, []).append(EntryRecord.from_row(row))  # type: ignore[attr-defined]
    return grouped


async def transactions_by_ids(*, principal: Principal, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, TransactionRecord]:
    """The readable ones of these transactions, in one query, keyed by id."""
    rows = await partner_scoped(Transaction, principal).filter(id__in=transaction_ids)
    return {row.id: TransactionRecord.from_row(row) for row in rows}
