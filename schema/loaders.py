"""Per-request DataLoaders: one query per kind of object, however many are asked for."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from services.ledger.records import EntryRecord, TransactionRecord
from services.customers import CustomerRecord
from services.records import ApiClient
from services.wallets import WalletRecord
from services import customers, wallets
from services.ledger import queries as ledger_queries
from services.partners import api_clients as partner_api_clients
from services.pagination import Page

K = TypeVar("K")
V = TypeVar("V")
PageKey = tuple[Any, int | None, str | None]  # (group id, first, after)


def _paged_loader(fetch_pages: Callable[..., Awaitable[dict[Any, Page[V]]]], group_arg: str) -> DataLoader[PageKey, Page[V]]:
    """A loader of pages per group; keys asking the same (first, after) share one query."""

    async def load(keys: Sequence[PageKey]) -> list[Page[V]]:
        by_args: dict[tuple[int | None, str | None], list[Any]] = defaultdict(list)
        for group, first, after in keys:
            by_args[(first, after)].append(group)
        results: dict[PageKey, Page[V]] = {}
        for (first, after), groups in by_args.items():
            pages = await fetch_pages(**{group_arg: groups, "first": first, "after": after})
            for group in groups:
                results[(group, first, after)] = pages[group]
        return [results[key] for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """One set per request, each loader built on first use (most requests need none)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @cached_property
    def customer(self) -> DataLoader[uuid.UUID, CustomerRecord | None]:
        return DataLoader(load_fn=self._customers)

    @cached_property
    def wallet(self) -> DataLoader[uuid.UUID, WalletRecord | None]:
        return DataLoader(load_fn=self._wallets)

    @cached_property
    def wallet_by_account(self) -> DataLoader[int, WalletRecord | None]:
        return DataLoader(load_fn=self._wallets_by_account)

    @cached_property
    def entries(self) -> DataLoader[uuid.UUID, list[EntryRecord]]:
        return DataLoader(load_fn=self._entries)

    @cached_property
    def wallet_transactions(self) -> DataLoader[PageKey, Page[TransactionRecord]]:
        return _paged_loader(self._transaction_pages, "account_ids")

    @cached_property
    def api_clients(self) -> DataLoader[uuid.UUID, list[ApiClient]]:
        return DataLoader(load_fn=self._api_clients)

    @cached_property
    def customer_wallets(self) -> DataLoader[PageKey, Page[WalletRecord]]:
        return _paged_loader(self._wallet_pages, "customer_ids")

    async def _customers(self, ids: Sequence[uuid.UUID]) -> list[CustomerRecord | None]:
        found = await customers.customers_by_ids(principal=self.principal, customer_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _wallets(self, ids: Sequence[uuid.UUID]) -> list[WalletRecord | None]:
        found = await wallets.wallets_by_ids(principal=self.principal, wallet_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _wallets_by_account(self, ids: Sequence[int]) -> list[WalletRecord | None]:
        found = await wallets.wallets_by_account_ids(principal=self.principal, account_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _api_clients(self, ids: Sequence[uuid.UUID]) -> list[list[ApiClient]]:
        found = await partner_api_clients.clients_of_partners(principal=self.principal, partner_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _entries(self, ids: Sequence[uuid.UUID]) -> list[list[EntryRecord]]:
        found = await ledger_queries.entries_by_transaction(principal=self.principal, transaction_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _transaction_pages(self, *, account_ids: list[int], first: int | None, after: str | None) -> dict[int, Page[TransactionRecord]]:
        return await ledger_queries.transaction_pages_by_account(
            principal=self.principal, account_ids=account_ids, first=first, after=after
        )

    async def _wallet_pages(self, *, customer_ids: list[uuid.UUID], first: int | None, after: str | None) -> dict[uuid.UUID, Page[WalletRecord]]:
        return await wallets.wallet_pages_by_customer(
            principal=self.principal, customer_ids=customer_ids, first=first, after=after
        )
