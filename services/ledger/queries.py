"""Reading transactions and entries back, always through the partner scope, as records (never ORM rows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auth.principal import Principal
from models import Entry, Transaction, Wallet
from models.enums import TransactionKind, TransactionStatus
from tortoise import connections
from services.db.sql import as_uuid, is_postgres
from services.errors import NotFound
from services.ledger.records import EntryRecord, TransactionRecord
from services.pagination import (
    Page, PageWindow, assemble_page, check_time_range, enum_filter, grouped_page_ids, lateral_page_ids, map_page, page_window,
    window_page,
)
from services.scoping import get_scoped, partner_clause, partner_scoped


async def get_transaction(*, principal: Principal, transaction_id: uuid.UUID | None) -> TransactionRecord:
    """One of the partner's transactions, or NotFound."""
    row = await get_scoped(Transaction, principal, transaction_id, what="transaction", field=["id"])
    return TransactionRecord.from_row(row)


@dataclass(frozen=True)
class TransactionFilter:
    """Which transactions a list shows: of one kind, in one status, created in [created_from, created_to)."""

    kind: TransactionKind | None = None
    status: TransactionStatus | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    @classmethod
    def of(
        cls,
        *,
        kind: TransactionKind | str | None = None,
        status: TransactionStatus | str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> TransactionFilter:
        """A validated filter (kind and status as the enums or their names; times in UTC)."""
        start, end = check_time_range(created_from, created_to, start_field="createdFrom", end_field="createdTo")
        return cls(
            kind=enum_filter(TransactionKind, kind, field="kind"),
            status=enum_filter(TransactionStatus, status, field="status"),
            created_from=start,
            created_to=end,
        )

    def lookups(self) -> dict[str, Any]:
        """The filter as ORM lookups on Transaction."""
        found: dict[str, Any] = {"kind": self.kind, "status": self.status,
                                 "created_at__gte": self.created_from, "created_at__lt": self.created_to}
        return {name: value for name, value in found.items() if value is not None}

    def sql(self, alias: str, first_placeholder: int) -> tuple[str, list[Any]]:
        """The filter as ` AND ...` conditions on a ledger_transaction alias, with `$n` placeholders from first_placeholder."""
        conditions = [
            ("kind =", self.kind.value if self.kind is not None else None),
            ("status =", self.status.value if self.status is not None else None),
            ("created_at >=", self.created_from),
            ("created_at <", self.created_to),
        ]
        sql, values = "", []
        for condition, value in conditions:
            if value is not None:
                values.append(value)
                sql += f" AND {alias}.{condition} ${first_placeholder + len(values) - 1}"
        return sql, values


async def list_transactions(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    wallet_id: uuid.UUID | None = None,
    kind: TransactionKind | str | None = None,
    status: TransactionStatus | str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Page[TransactionRecord]:
    """The partner's transactions, newest first: all of them or one wallet's (paid from or into it), filtered.

    Paged forward with first/after or backward with last/before; one statement, three with a wallet.
    """
    window = page_window(first=first, after=after, last=last, before=before)
    where = TransactionFilter.of(kind=kind, status=status, created_from=created_from, created_to=created_to)
    if wallet_id is None:
        query = partner_scoped(Transaction, principal).filter(**where.lookups())
        return map_page(await window_page(query, window, newest_first=True), TransactionRecord.from_row)
    if not await partner_scoped(Wallet, principal).filter(id=wallet_id).exists():
        raise NotFound("wallet not found", field=["walletId"])
    return (await _pages_by_wallet(principal, [wallet_id], window, where))[wallet_id]


async def transaction_pages_by_wallet(
    *,
    principal: Principal,
    wallet_ids: list[uuid.UUID],
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    kind: TransactionKind | str | None = None,
    status: TransactionStatus | str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> dict[uuid.UUID, Page[TransactionRecord]]:
    """For many wallets at once, a page of each one's transactions (newest first): two statements in all.

    A wallet's transactions are those paid from it or into it, whatever their status (a HELD or
    REJECTED one included); the wallets must be ones the principal may read.
    """
    window = page_window(first=first, after=after, last=last, before=before)
    where = TransactionFilter.of(kind=kind, status=status, created_from=created_from, created_to=created_to)
    return await _pages_by_wallet(principal, wallet_ids, window, where)


async def _pages_by_wallet(
    principal: Principal, wallet_ids: list[uuid.UUID], window: PageWindow, where: TransactionFilter
) -> dict[uuid.UUID, Page[TransactionRecord]]:
    wallet_ids = list(dict.fromkeys(wallet_ids))
    if not wallet_ids:
        return {}
    scope_sql, values = partner_clause(principal, "t.partner_id", 1)
    if is_postgres(connections.get("default")):
        # Each wallet's page read backwards from the (wallet, id) indexes (migration 0036), LIMIT the page: the cost
        # of a page, not of the wallets' whole history as ranking every transaction was.
        filter_sql, filter_values = where.sql("t", len(values) + 1)
        branches = [f"SELECT t.id AS oid FROM ledger_transaction t WHERE {scope_sql} AND t.{column} = g.grp{filter_sql}"
                    for column in ("from_wallet_id", "to_wallet_id")]
        grouped = await lateral_page_ids(groups=wallet_ids, group_type="uuid", branches=branches, id_column="t.id",
                                         values=[*values, *filter_values], window=window, newest_first=True)
    else:
        wallets = ", ".join(f"${len(values) + i + 1}" for i in range(len(wallet_ids)))
        values = [*values, *wallet_ids]
        filter_sql, filter_values = where.sql("t", len(values) + 1)
        values += filter_values
        # UNION, not UNION ALL: a transaction is listed once per wallet even if it were paid from and into it.
        candidates = " UNION ".join(
            f"SELECT t.{column} AS grp, t.id AS oid FROM ledger_transaction t"
            f" WHERE {scope_sql} AND t.{column} IN ({wallets}){filter_sql}"
            for column in ("from_wallet_id", "to_wallet_id")
        )
        grouped = await grouped_page_ids(candidates=candidates, values=values, window=window, newest_first=True)
    ids_by_wallet = {as_uuid(group): ids for group, ids in grouped.items()}
    wanted = list({tid for ids in ids_by_wallet.values() for tid in ids})
    rows = await partner_scoped(Transaction, principal).filter(id__in=wanted) if wanted else []
    by_id = {row.id: TransactionRecord.from_row(row) for row in rows}
    return {wallet_id: assemble_page(ids_by_wallet.get(wallet_id, []), by_id, window) for wallet_id in wallet_ids}


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
