"""The posting engine: top-ups, transfers and withdrawals as balanced ledger transactions.

One posting is one database transaction, in this order:
  1. claim the idempotency key (a concurrent duplicate blocks on the unique
     index until we commit, then replays our result);
  2. lock the wallet accounts involved, in account-id order (no deadlocks);
  3. check status, currency and funds against the locked rows;
  4. update the locked balances, write the transaction and its entries.
A refusal raises a DomainError, which rolls everything back: a refused
request changes nothing and does not consume its idempotency key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Entry, IdempotencyRecord, Transaction
from models.enums import AccountKind, TransactionKind, WalletStatus
from models.ids import uuid7
from services.errors import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    NotFound,
    SameWallet,
    WalletNotActive,
)
from services.ledger.entries import Leg, move
from services.ledger.idempotency import canonical_amount, check_key, request_hash
from services.ledger.locking import LockedWallet, lock_wallets, apply_balance_changes
from services.audit import AuditNote, record_event
from services.money import MAX_MINOR, normalise_currency, parse_amount
from services.system_accounts import system_account_id
from services.validation import clean_text

MAX_MEMO_LENGTH = 280


@dataclass(frozen=True)
class PostingRequest:
    operation: str
    kind: TransactionKind
    idempotency_key: str
    amount_text: str
    from_wallet_id: uuid.UUID | None
    to_wallet_id: uuid.UUID | None
    from_field: str
    to_field: str
    memo: str | None = None
    currency: str | None = None


async def post_top_up(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Credit a wallet from the bank's settlement account."""
    return await _post(
        principal,
        PostingRequest(
            operation="walletTopUp", kind=TransactionKind.TOP_UP, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=None, to_wallet_id=wallet_id,
            from_field="walletId", to_field="walletId", currency=currency,
        ),
        audit,
        require_to=True,
    )


async def post_transfer(
    *,
    principal: Principal,
    from_wallet_id: uuid.UUID | None,
    to_wallet_id: uuid.UUID | None,
    amount: str,
    idempotency_key: str,
    memo: str | None = None,
    currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Move money between two wallets of the same partner and currency."""
    return await _post(
        principal,
        PostingRequest(
            operation="transferCreate", kind=TransactionKind.TRANSFER, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id,
            from_field="fromWalletId", to_field="toWalletId", memo=memo, currency=currency,
        ),
        audit,
        require_from=True,
        require_to=True,
    )


async def post_withdrawal(
    *, principal: Principal, wallet_id: uuid.UUID | None, amount: str, idempotency_key: str, currency: str | None = None,
    audit: AuditNote | None = None,
) -> Transaction:
    """Debit a wallet to the bank's settlement account (money leaves the wallet system)."""
    return await _post(
        principal,
        PostingRequest(
            operation="withdrawalCreate", kind=TransactionKind.WITHDRAWAL, idempotency_key=idempotency_key,
            amount_text=amount, from_wallet_id=wallet_id, to_wallet_id=None,
            from_field="walletId", to_field="walletId", currency=currency,
        ),
        audit,
        require_from=True,
    )


async def _post(
    principal: Principal, req: PostingRequest, audit: AuditNote | None, *, require_from: bool = False, require_to: bool = False
) -> Transaction:
    key = check_key(req.idempotency_key)
    amount_canonical = canonical_amount(req.amount_text)
    memo = clean_text(req.memo, field="memo", max_len=MAX_MEMO_LENGTH, required=False)
    currency = normalise_currency(req.currency) if req.currency is not None else None
    if require_from and req.from_wallet_id is None:
        raise NotFound("wallet not found", field=[req.from_field])
    if require_to and req.to_wallet_id is None:
        raise NotFound("wallet not found", field=[req.to_field])
    if req.from_wallet_id is not None and req.from_wallet_id == req.to_wallet_id:
        raise SameWallet("a transfer needs two different wallets", field=[req.to_field])
    fingerprint = request_hash(
        req.operation,
        {"from": req.from_wallet_id, "to": req.to_wallet_id, "amount": amount_canonical, "memo": memo, "currency": currency},
    )
    transaction_id = uuid7()
    try:
        async with in_transaction() as conn:
            await IdempotencyRecord.create(
                partner_id=principal.partner_id, key=key, request_hash=fingerprint,
                operation=req.operation, transaction_id=transaction_id, using_db=conn,
            )
            wallet_ids = [w for w in (req.from_wallet_id, req.to_wallet_id) if w is not None]
            locked = await lock_wallets(conn, partner_id=principal.partner_id, wallet_ids=wallet_ids)
            source = _locked_or_missing(locked, req.from_wallet_id, req.from_field)
            target = _locked_or_missing(locked, req.to_wallet_id, req.to_field)
            _check_customer_token(principal, req, source, target)
            txn_currency = _common_currency(source, target, currency, req)
            amount_minor = parse_amount(req.amount_text, txn_currency)
            legs = await _legs_for(req.kind, source, target, amount_minor, txn_currency)
            _check_wallets_can_move(source, target, amount_minor, req)
            await apply_balance_changes(conn, legs, tracked={w.account_id for w in locked.values()})
            txn = await Transaction.create(
                id=transaction_id, partner_id=principal.partner_id, kind=req.kind, currency=txn_currency,
                amount_minor=amount_minor, from_wallet_id=req.from_wallet_id, to_wallet_id=req.to_wallet_id,
                memo=memo, idempotency_key=key, using_db=conn,
            )
            await Entry.bulk_create(
                [
                    Entry(transaction_id=transaction_id, account_id=leg.account_id, amount_minor=leg.amount_minor,
                          currency=leg.currency, partner_id=principal.partner_id)
                    for leg in legs
                ],
                using_db=conn,
            )
            if audit is not None:
                # In the posting's own transaction: the audit row commits with the
                # money (or not at all) and shares its commit instead of paying another.
                await record_event(
                    actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Transaction",
                    object_id=str(transaction_id), request_id=audit.request_id, partner_id=principal.partner_id,
                )
                txn._audited = True  # type: ignore[attr-defined]
        return txn
    except IntegrityError as exc:
        return await _replay(principal, key, fingerprint, exc)


async def _replay(principal: Principal, key: str, fingerprint: str, error: IntegrityError) -> Transaction:
    """The original result of a key already used by this partner, or IdempotencyConflict."""
    record = await IdempotencyRecord.get_or_none(partner_id=principal.partner_id, key=key)
    if record is None:
        raise error  # not a key collision: let the original IntegrityError surface
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(
            "this idempotencyKey was already used with different input", field=["idempotencyKey"]
        )
    return await Transaction.get(id=record.transaction_id)


def _locked_or_missing(locked: dict[uuid.UUID, LockedWallet], wallet_id: uuid.UUID | None, field: str) -> LockedWallet | None:
    if wallet_id is None:
        return None
    wallet = locked.get(wallet_id)
    if wallet is None:
        raise NotFound("wallet not found", field=[field])
    return wallet


def _check_customer_token(principal: Principal, req: PostingRequest, source: LockedWallet | None, target: LockedWallet | None) -> None:
    """A customer's delegated token moves money only out of that customer's own wallets."""
    if not principal.is_customer:
        return
    if source is None:
        # Top-ups bring money in from the bank: only the partner itself may do that.
        raise NotFound("wallet not found", field=[req.to_field])
    if source.customer_id != principal.customer_id:
        raise NotFound("wallet not found", field=[req.from_field])


def _common_currency(source: LockedWallet | None, target: LockedWallet | None, requested: str | None, req: PostingRequest) -> str:
    wallet = source or target
    assert wallet is not None
    if source is not None and target is not None and source.currency != target.currency:
        raise CurrencyMismatch(
            f"cannot transfer {source.currency} to a {target.currency} wallet", field=[req.to_field]
        )
    if requested is not None and requested != wallet.currency:
        raise CurrencyMismatch(f"the wallet holds {wallet.currency}, not {requested}", field=["currency"])
    return wallet.currency


async def _legs_for(kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int, currency: str) -> list[Leg]:
    if kind == TransactionKind.TRANSFER:
        assert source and target
        return move(debit_account_id=source.account_id, credit_account_id=target.account_id, amount_minor=amount_minor, currency=currency)
    settlement = await system_account_id(AccountKind.SETTLEMENT, currency, create=False)
    if kind == TransactionKind.TOP_UP:
        assert target
        return move(debit_account_id=settlement, credit_account_id=target.account_id, amount_minor=amount_minor, currency=currency)
    assert source and kind == TransactionKind.WITHDRAWAL
    return move(debit_account_id=source.account_id, credit_account_id=settlement, amount_minor=amount_minor, currency=currency)


def _check_wallets_can_move(source: LockedWallet | None, target: LockedWallet | None, amount_minor: int, req: PostingRequest) -> None:
    for wallet, field in ((source, req.from_field), (target, req.to_field)):
        if wallet is not None and wallet.status != WalletStatus.ACTIVE.value:
            raise WalletNotActive(f"wallet is {wallet.status.lower()}", field=[field])
    # Checked on the locked row, so no concurrent posting can spend the same money.
    if source is not None and amount_minor > source.balance_minor - source.held_minor:
        raise InsufficientFunds("the wallet's available balance is too low", field=[req.from_field])
    if target is not None and target.balance_minor > MAX_MINOR - amount_minor:
        raise InvalidAmount("the receiving wallet's balance would exceed what the ledger can hold", field=["amount"])
