"""The bank's own ledger accounts: one per kind and currency, created on demand."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError

from models import Account
from models.enums import AccountKind
from services.caches import SYSTEM_ACCOUNTS

# System account ids never change once created, so each process caches them (SYSTEM_ACCOUNTS).


async def system_account_id(kind: AccountKind, currency: str, *, create: bool = True) -> int:
    """The id of the bank's account of this kind in this currency, creating it once.

    Inside a posting transaction pass create=False: an account created there
    could be rolled back after its id had been cached.
    """
    key = f"{kind.value}:{currency}"
    cached = SYSTEM_ACCOUNTS.get(key)
    if cached is not None:
        return cached
    account = await Account.get_or_none(system_key=key)
    if account is None and not create:
        raise LookupError(f"system account {key} does not exist; it is created when a wallet opens")
    if account is None:
        try:
            # System accounts take the other side of many postings at once, so
            # their balance is derived from entries instead of a locked column.
            account = await Account.create(kind=kind, currency=currency, system_key=key, tracks_balance=False)
        except IntegrityError:
            account = await Account.get(system_key=key)  # another worker created it first
    SYSTEM_ACCOUNTS.put(key, account.id)
    return account.id


def forget_cached_accounts() -> None:
    """Drop the cache (tests that recreate the database call this)."""
    SYSTEM_ACCOUNTS.clear()


async def partner_revenue_account_id(partner_id: object, currency: str) -> int:
    """The account that collects a partner's share of fees in one currency, created once."""
    return await _partner_account_id(AccountKind.PARTNER_REVENUE, "PR", partner_id, currency)


async def sandbox_account_id(partner_id: object, currency: str) -> int:
    """A sandbox partner's test-money account in one currency, created once (outside a posting transaction).

    The bank's side of every posting of that partner: sandboxFund mints from
    it, and its top-ups, withdrawals and fees go through it instead of the
    bank's settlement and fee revenue accounts, so test money never reaches them.
    """
    return await _partner_account_id(AccountKind.SANDBOX, "SB", partner_id, currency)


async def _partner_account_id(kind: AccountKind, prefix: str, partner_id: object, currency: str) -> int:
    """One partner's system account of this kind in one currency, created once."""
    # system_key holds 40 characters: 2-letter prefix + ":" + the partner's UUID as 32 hex digits + ":" + the currency code.
    key = f"{prefix}:{uuid.UUID(str(partner_id)).hex}:{currency}"
    cached = SYSTEM_ACCOUNTS.get(key)
    if cached is not None:
        return cached
    account = await Account.get_or_none(system_key=key)
    if account is None:
        try:
            account = await Account.create(
                kind=kind, currency=currency, system_key=key, tracks_balance=False, partner_id=partner_id,
            )
        except IntegrityError:
            account = await Account.get(system_key=key)
    SYSTEM_ACCOUNTS.put(key, account.id)
    return account.id
