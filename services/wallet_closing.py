"""walletClose: a wallet closes for good, empty, or swept into another wallet of its customer in the same transaction.

A wallet closes only when nothing is left in it or waiting on it: no funds
on hold and no transaction under compliance review, either way; and a zero
balance, unless `sweepToWalletId` names another ACTIVE wallet of the same
customer and currency, into which the whole balance moves first. The sweep
is one posting of the posting engine (kind SWEEP: free, not counted against
the customer's limits, services.compliance.sweep_checks), written in the
transaction that closes the wallet: both wallets are locked first, in the
engine's order (account id), so nothing can arrive or leave in between, and
a refused sweep leaves the wallet open and untouched.

A closed wallet refuses every movement (the posting engine moves only ACTIVE
wallets: WALLET_NOT_ACTIVE) and keeps its transactions, entries and balance
history, readable as before. A frozen wallet is compliance's to unfreeze
first. The sweep needs an idempotency key; a retry with it returns the
original result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import ClassVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import IdempotencyRecord, Transaction, Wallet
from models.enums import TransactionStatus, WalletStatus
from services import live
from services.audit import AuditNote, record_event
from services.authority import require_partner_token, require_scope
from services.db.wallet_rows import LockedWallet
from services.errors import (
    CurrencyMismatch, IdempotencyConflict, SameWallet, ValidationFailed, WalletNotActive, WalletNotEmpty,
    WalletStateConflict,
)
from services.events import record_domain_event
from services.ledger.idempotency import check_key
from services.ledger.locking import lock_wallets
from services.ledger.posting import post_sweep
from services.ledger.records import TransactionRecord
from services.money import format_amount
from services.outcome import AuditTarget, ServiceResult
from services.scoping import get_scoped, of_tenant
from services.validation import clean_text
from services.wallets import WalletRecord

WRITE_SCOPE = "wallets:write"
OPERATION = "walletClose"  # the sweep's idempotency record names it
MAX_REASON_CHARS = 500


@dataclass(frozen=True, kw_only=True)
class WalletClosing(ServiceResult):
    """A closed wallet, and the sweep that emptied it (None when it was empty already)."""

    audit_type: ClassVar[str] = "Wallet"

    wallet: WalletRecord
    sweep: TransactionRecord | None = None

    def audit_target(self) -> AuditTarget | None:
        """The audit row names the wallet."""
        return self.wallet.audit_target()


async def close_wallet(
    *, principal: Principal, wallet_id: uuid.UUID | None, sweep_to_wallet_id: uuid.UUID | None = None,
    idempotency_key: str | None = None, reason: str | None = None, audit: AuditNote | None = None,
) -> WalletClosing:
    """Close one of the partner's ACTIVE wallets, sweeping its balance first when asked to."""
    require_partner_token(principal)
    require_scope(principal, WRITE_SCOPE)
    note = clean_text(reason, field="reason", max_len=MAX_REASON_CHARS, required=False)
    key = None
    if sweep_to_wallet_id is not None:
        if idempotency_key is None:
            raise ValidationFailed("idempotencyKey is required with sweepToWalletId (the sweep moves money)",
                                   field=["idempotencyKey"])
        key = check_key(idempotency_key)
    wallet = await get_scoped(Wallet, principal, wallet_id, what="wallet", field=["walletId"])
    if key is not None:
        replayed = await _replay(principal, key, wallet.id, sweep_to_wallet_id)
        if replayed is not None:
            return replayed
    target = None
    if sweep_to_wallet_id is not None:
        target = await get_scoped(Wallet, principal, sweep_to_wallet_id, what="wallet", field=["sweepToWalletId"])
        check_sweep_target(wallet, target)
    try:
        return await _close_with_sweep(principal, wallet, target, key, note, audit)
    except (WalletStateConflict, IntegrityError, OperationalError, TransactionManagementError):
        # A concurrent request with this key may have committed first (on PostgreSQL its key claim aborts this
        # transaction, or its close left this wallet CLOSED): the key's use decides, as for any retry.
        if key is not None and (replayed := await _replay(principal, key, wallet.id, sweep_to_wallet_id)) is not None:
            return replayed
        raise


async def _close_with_sweep(
    principal: Principal, wallet: Wallet, target: Wallet | None, key: str | None, note: str | None,
    audit: AuditNote | None,
) -> WalletClosing:
    """Lock, check, sweep (when the wallet holds money), close, record: one transaction."""
    ids = [wallet.id] + ([target.id] if target is not None else [])
    async with in_transaction() as conn:
        # The engine's lock order (account id): held until the close commits, so nothing moves in between.
        locked = await lock_wallets(conn, partner_id=principal.partner_id, wallet_ids=ids)
        source = locked[wallet.id]
        await check_closable(conn, source)
        sweep = None
        if source.balance_minor:
            sweep = await _sweep(principal, source, locked.get(target.id) if target else None, key)
        row = await _close(conn, source, sweep)
        if audit is not None:
            # With the change: a close (and its sweep) without its audit row cannot commit.
            detail = f"walletId={source.wallet_id} customerId={source.customer_id}"
            if sweep is not None:
                detail += f" sweptTo={sweep.to_wallet_id} transactionId={sweep.id} amount={sweep.amount_minor}"
            await record_event(
                actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Wallet",
                object_id=str(source.wallet_id), request_id=audit.request_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
                detail=f"{detail} reason={note}" if note else detail,
            )
    audited = audit is not None
    # Committed: the closed wallet's (and the sweep target's) subscribers re-read them. The sweep's own
    # announcement ran inside this transaction, before the commit, so it may have shown the old state.
    for wallet_id in ids:
        await live.announce_wallet_status(wallet_id, row.status if wallet_id == wallet.id else "ACTIVE")
    return WalletClosing(wallet=WalletRecord.from_row(row, audited=audited), sweep=sweep, audited=audited)


def check_sweep_target(wallet: Wallet, target: Wallet) -> None:
    """The sweep goes to another wallet of the same customer, in the same currency."""
    field = ["sweepToWalletId"]
    if target.id == wallet.id:
        raise SameWallet("sweepToWalletId must name another wallet than the one closing", field=field)
    if target.customer_id != wallet.customer_id:  # type: ignore[attr-defined]
        raise ValidationFailed("sweepToWalletId must name a wallet of the same customer", field=field)
    if target.currency != wallet.currency:
        raise CurrencyMismatch(f"cannot sweep {wallet.currency} into a {target.currency} wallet", field=field)


async def check_closable(conn: BaseDBAsyncClient, source: LockedWallet) -> None:
    """On the locked row: ACTIVE, nothing on hold, nothing under review (the balance is the sweep's business)."""
    if source.status != WalletStatus.ACTIVE.value:
        if source.status == WalletStatus.FROZEN.value:
            raise WalletStateConflict("wallet is frozen: only compliance can unfreeze it, then it can be closed",
                                      field=["walletId"])
        raise WalletStateConflict(f"wallet is {source.status.lower()} already", field=["walletId"])
    if source.held_minor:
        raise WalletNotEmpty(
            f"{format_amount(source.held_minor, source.currency)} {source.currency} of the wallet is on hold:"
            " close it once the holds are captured, released or expired",
            field=["walletId"],
        )
    reviewed = Q(from_wallet_id=source.wallet_id) | Q(to_wallet_id=source.wallet_id)
    if await Transaction.filter(reviewed, status=TransactionStatus.HELD).using_db(conn).exists():
        raise WalletNotEmpty("a transaction of this wallet waits for compliance review: close it once it is decided",
                             field=["walletId"])


async def _sweep(principal: Principal, source: LockedWallet, target: LockedWallet | None, key: str | None) -> TransactionRecord:
    """Move the whole (available) balance to the target, inside the closing transaction."""
    left = f"{format_amount(source.balance_minor, source.currency)} {source.currency}"
    if target is None or key is None:
        raise WalletNotEmpty(
            f"the wallet holds {left}: name sweepToWalletId (another active wallet of the same customer and currency)"
            " or withdraw it first",
            field=["walletId"],
        )
    if target.status != WalletStatus.ACTIVE.value:
        raise WalletNotActive(f"the wallet to sweep into is {target.status.lower()}", field=["sweepToWalletId"])
    return await post_sweep(
        principal=principal, from_wallet_id=source.wallet_id, to_wallet_id=target.wallet_id,
        amount=format_amount(source.balance_minor, source.currency), idempotency_key=key,
    )


async def _close(conn: BaseDBAsyncClient, source: LockedWallet, sweep: TransactionRecord | None) -> Wallet:
    """Mark the (locked, ACTIVE) wallet CLOSED and record wallet.closed; the row with its account."""
    closed_at = datetime.now(timezone.utc)
    changed = await Wallet.filter(id=source.wallet_id, status=WalletStatus.ACTIVE).using_db(conn).update(
        status=WalletStatus.CLOSED, closed_at=closed_at
    )
    if changed != 1:
        raise RuntimeError("the locked wallet was not ACTIVE any more")
    row = await Wallet.filter(id=source.wallet_id).using_db(conn).select_related("account").get()
    payload = {"walletId": str(source.wallet_id), "customerId": str(source.customer_id)}
    if sweep is not None:
        payload |= {"sweptToWalletId": str(sweep.to_wallet_id), "transactionId": str(sweep.id)}
    await record_domain_event(
        type="wallet.closed", partner_id=row.partner_id, object_type="Wallet", object_id=source.wallet_id,  # type: ignore[attr-defined]
        payload=payload, using_db=conn,
    )
    return row


async def _replay(principal: Principal, key: str, wallet_id: uuid.UUID, target_id: uuid.UUID | None) -> WalletClosing | None:
    """The original result of a sweep-and-close retried with its key; IDEMPOTENCY_CONFLICT for any other use of it."""
    record = await of_tenant(IdempotencyRecord, principal.partner_id).get_or_none(key=key)
    if record is None:
        return None
    txn = await Transaction.get_or_none(id=record.transaction_id)
    same = txn is not None and record.operation == OPERATION and (txn.from_wallet_id, txn.to_wallet_id) == (wallet_id, target_id)  # type: ignore[attr-defined]
    if not same:
        raise IdempotencyConflict("this idempotencyKey was already used with different input", field=["idempotencyKey"])
    assert txn is not None
    wallet = await Wallet.filter(id=wallet_id).select_related("account").get()
    return WalletClosing(wallet=WalletRecord.from_row(wallet), sweep=TransactionRecord.from_row(txn))
