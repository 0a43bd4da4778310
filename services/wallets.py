"""Opening and reading wallets (each owns one ledger account), handed out as `WalletRecord`s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Account, Customer, Wallet
from models.enums import AccountKind, WalletStatus
from services.customer_status import lock_open_customer
from services.errors import NotFound
from services.events import record_domain_event
from services.money import normalise_currency
from services.db.sql import as_uuid
from services.outcome import ServiceResult
from services.pagination import Page, assemble_page, grouped_page_ids, keyset_page, map_page, page_window
from services.scoping import get_scoped, partner_clause, partner_scoped
from services.system_accounts import system_account_id


@dataclass(frozen=True, kw_only=True)
class WalletRecord(ServiceResult):
    """A wallet as a service hands it out: the stored row's fields and its account's balance and holds."""

    audit_type: ClassVar[str] = "Wallet"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    account_id: int
    currency: str
    status: WalletStatus
    status_reason: str | None
    balance_minor: int
    held_minor: int
    created_at: datetime
    nickname: str | None = None  # the customer's own name for it (walletNicknameSet)
    closed_at: datetime | None = None  # when walletClose closed it (status CLOSED)

    @classmethod
    def from_row(cls, row: Wallet, *, audited: bool = False) -> WalletRecord:
        """The record of a stored wallet row (its account must be loaded)."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            account_id=row.account_id, currency=row.currency, status=WalletStatus(row.status),  # type: ignore[attr-defined]
            status_reason=row.status_reason, balance_minor=row.account.balance_minor,
            held_minor=row.account.held_minor, created_at=row.created_at, audited=audited,
            nickname=row.nickname, closed_at=row.closed_at,
        )


async def open_wallet(*, principal: Principal, customer_id: uuid.UUID | None, currency: str) -> WalletRecord:
    """Open a wallet in a supported currency for one of the partner's customers."""
    code = normalise_currency(currency)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    # The settlement account must exist before any posting in this currency,
    # and is created here, outside any posting transaction.
    await system_account_id(AccountKind.SETTLEMENT, code)
    async with in_transaction() as conn:
        # Locks the customer row: customerClose (which locks it too) cannot close the customer under a new wallet.
        await lock_open_customer(customer.id, field=["customerId"])
        account = await Account.create(kind=AccountKind.WALLET, currency=code, partner_id=principal.partner_id)
        wallet = await Wallet.create(
            partner_id=principal.partner_id, customer=customer, account=account, currency=code
        )
        await record_domain_event(
            type="wallet.opened", partner_id=principal.partner_id, object_type="Wallet", object_id=wallet.id,
            payload={"walletId": str(wallet.id), "customerId": str(customer.id), "currency": code}, using_db=conn,
        )
    wallet.account = account
    return WalletRecord.from_row(wallet)


async def get_wallet(*, principal: Principal, wallet_id: uuid.UUID | None) -> WalletRecord:
    """One of the partner's wallets with its account, or NotFound."""
    if wallet_id is None:
        raise NotFound("wallet not found", field=["id"])
    wallet = await partner_scoped(Wallet, principal).select_related("account").get_or_none(id=wallet_id)
    if wallet is None:
        raise NotFound("wallet not found", field=["id"])
    return WalletRecord.from_row(wallet)


async def list_wallets(
    *, principal: Principal, first: int | None, after: str | None, customer_id: uuid.UUID | None = None,
    last: int | None = None, before: str | None = None,
) -> Page[WalletRecord]:
    """The partner's wallets (optionally one customer's), oldest first."""
    query = partner_scoped(Wallet, principal).select_related("account")
    if customer_id is not None:
        # Another partner's customer answers like a missing one, not as an empty list.
        await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
        query = query.filter(customer_id=customer_id)
    return map_page(await keyset_page(query, first=first, after=after, last=last, before=before), WalletRecord.from_row)


async def wallets_by_ids(*, principal: Principal, wallet_ids: list[uuid.UUID]) -> dict[uuid.UUID, WalletRecord]:
    """Several of the partner's wallets in one query, keyed by id (DataLoader batch)."""
    rows = await partner_scoped(Wallet, principal).select_related("account").filter(id__in=wallet_ids)
    return {row.id: WalletRecord.from_row(row) for row in rows}


async def wallets_by_account_ids(*, principal: Principal, account_ids: list[int]) -> dict[int, WalletRecord]:
    """Several of the partner's wallets by their ledger account ids, in one query."""
    rows = await partner_scoped(Wallet, principal).select_related("account").filter(account_id__in=account_ids)
    return {row.account_id: WalletRecord.from_row(row) for row in rows}  # type: ignore[attr-defined]


async def wallet_pages_by_customer(
    *, principal: Principal, customer_ids: list[uuid.UUID], first: int | None, after: str | None,
    last: int | None = None, before: str | None = None,
) -> dict[uuid.UUID, Page[WalletRecord]]:
    """For many customers at once, a page of each one's wallets (oldest first, either way): two queries in all."""
    window = page_window(first=first, after=after, last=last, before=before)
    customer_ids = list(dict.fromkeys(customer_ids))
    if not customer_ids:
        return {}
    scope_sql, values = partner_clause(principal, "t.partner_id", 1)
    placeholders = ", ".join(f"${len(values) + i + 1}" for i in range(len(customer_ids)))
    candidates = f"SELECT t.customer_id AS grp, t.id AS oid FROM wallet t WHERE {scope_sql} AND t.customer_id IN ({placeholders})"
    grouped = await grouped_page_ids(candidates=candidates, values=[*values, *customer_ids], window=window, newest_first=False)
    ids_by_customer = {as_uuid(k): v for k, v in grouped.items()}
    wanted = list({wid for ids in ids_by_customer.values() for wid in ids})
    rows = await partner_scoped(Wallet, principal).select_related("account").filter(id__in=wanted) if wanted else []
    by_id = {row.id: WalletRecord.from_row(row) for row in rows}
    return {customer_id: assemble_page(ids_by_customer.get(customer_id, []), by_id, window) for customer_id in customer_ids}
