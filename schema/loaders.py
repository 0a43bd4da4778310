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
from services.partners.records import ApiClientRecord
from services.wallets import WalletRecord
from services import customers, wallets
from services.compliance import customer_limits
from services.compliance.customer_limits import OwnLimit
from services.ledger import queries as ledger_queries
from services.partners import api_clients as partner_api_clients
from services.pagination import Page
from services.rails import queries as rail_queries
from services.rails.queries import RailTransferRecord
from services.enums import PartnerEnvironment
from services.partners.environment import environments_of

K = TypeVar("K")
V = TypeVar("V")
PageKey = tuple[Any, ...]  # (group id, then the page's arguments in the order the loader names them)

# The arguments of a wallet's transaction page, in the order wallet_transactions keys carry them.
TRANSACTION_PAGE_ARGS = ("first", "after", "last", "before", "kind", "status", "created_from", "created_to")
# The arguments of a customer's wallet page, in the order customer_wallets keys carry them.
WALLET_PAGE_ARGS = ("first", "after", "last", "before")


def page_key(group: Any, arg_names: Sequence[str], **args: Any) -> PageKey:
    """A paged loader's key: the group, then each argument in arg_names order (a name not listed is refused)."""
    unknown = set(args) - set(arg_names)
    if unknown:
        raise TypeError(f"not page arguments: {sorted(unknown)}")
    return (group, *(args.get(name) for name in arg_names))


def _paged_loader(
    fetch_pages: Callable[..., Awaitable[dict[Any, Page[V]]]], group_arg: str, arg_names: Sequence[str] = ("first", "after")
) -> DataLoader[PageKey, Page[V]]:
    """A loader of pages per group; keys asking the same page arguments share one query, whatever their number."""

    async def load(keys: Sequence[PageKey]) -> list[Page[V]]:
        by_args: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
        for group, *args in keys:
            by_args[tuple(args)].append(group)
        results: dict[PageKey, Page[V]] = {}
        for args, groups in by_args.items():
            pages = await fetch_pages(**{group_arg: groups, **dict(zip(arg_names, args))})
            for group in groups:
                results[(group, *args)] = pages[group]
        return [results[key] for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """One set per request, each loader built on first use (most requests need none)."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @cached_property
    def rail_transfer(self) -> DataLoader[uuid.UUID, RailTransferRecord | None]:
        """The rail transfer of each transaction (held or returned), by transaction id."""
        return DataLoader(load_fn=self._rail_transfers)

    async def _rail_transfers(self, ids: Sequence[uuid.UUID]) -> list[RailTransferRecord | None]:
        found = await rail_queries.rail_transfers_of_transactions(self.principal, list(ids))
        return [found.get(i) for i in ids]

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
        return _paged_loader(self._transaction_pages, "wallet_ids", TRANSACTION_PAGE_ARGS)

    @cached_property
    def api_clients(self) -> DataLoader[uuid.UUID, list[ApiClientRecord]]:
        return DataLoader(load_fn=self._api_clients)

    @cached_property
    def customer_own_limits(self) -> DataLoader[uuid.UUID, dict[str, OwnLimit]]:
        return DataLoader(load_fn=self._own_limits)

    @cached_property
    def partner_environment(self) -> DataLoader[uuid.UUID, PartnerEnvironment | None]:
        """A partner's LIVE or SANDBOX, for objects that flag it (AML alerts, KYC submissions) to staff."""
        return DataLoader(load_fn=self._partner_environments)

    @cached_property
    def customer_wallets(self) -> DataLoader[PageKey, Page[WalletRecord]]:
        return _paged_loader(self._wallet_pages, "customer_ids", WALLET_PAGE_ARGS)

    async def _partner_environments(self, ids: Sequence[uuid.UUID]) -> list[PartnerEnvironment | None]:
        # The ids come from objects already read through the principal's scope; an environment is no secret.
        found = await environments_of(list(ids))
        return [found.get(i) for i in ids]

    async def _own_limits(self, ids: Sequence[uuid.UUID]) -> list[dict[str, OwnLimit]]:
        # The customers were read through the principal's scope (a Customer field): their ids are readable.
        found = await customer_limits.own_limits_by_customer(list(set(ids)))
        return [found.get(i, {}) for i in ids]

    async def _customers(self, ids: Sequence[uuid.UUID]) -> list[CustomerRecord | None]:
        found = await customers.customers_by_ids(principal=self.principal, customer_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _wallets(self, ids: Sequence[uuid.UUID]) -> list[WalletRecord | None]:
        found = await wallets.wallets_by_ids(principal=self.principal, wallet_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _wallets_by_account(self, ids: Sequence[int]) -> list[WalletRecord | None]:
        found = await wallets.wallets_by_account_ids(principal=self.principal, account_ids=list(set(ids)))
        return [found.get(i) for i in ids]

    async def _api_clients(self, ids: Sequence[uuid.UUID]) -> list[list[ApiClientRecord]]:
        found = await partner_api_clients.clients_of_partners(principal=self.principal, partner_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _entries(self, ids: Sequence[uuid.UUID]) -> list[list[EntryRecord]]:
        found = await ledger_queries.entries_by_transaction(principal=self.principal, transaction_ids=list(set(ids)))
        return [found.get(i, []) for i in ids]

    async def _transaction_pages(self, *, wallet_ids: list[uuid.UUID], **args: Any) -> dict[uuid.UUID, Page[TransactionRecord]]:
        return await ledger_queries.transaction_pages_by_wallet(principal=self.principal, wallet_ids=wallet_ids, **args)

    async def _wallet_pages(self, *, customer_ids: list[uuid.UUID], **page: Any) -> dict[uuid.UUID, Page[WalletRecord]]:
        return await wallets.wallet_pages_by_customer(principal=self.principal, customer_ids=customer_ids, **page)
