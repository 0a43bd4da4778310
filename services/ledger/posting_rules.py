"""The rules a posting must pass, as pure checks on the wallets it touches.

Both posting paths (the portable transaction and PostgreSQL's single
statement) run exactly these checks, in this order, so they refuse alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth.principal import Principal
from models.enums import AccountKind, TransactionKind, WalletStatus
from services.errors import CurrencyMismatch, InsufficientFunds, InvalidAmount, NotFound, WalletNotActive
from services.ledger.entries import Leg, balanced_legs, move
from services.db.wallet_rows import LockedWallet
from services.money import MAX_MINOR
from services.system_accounts import system_account_id


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


def locked_or_missing(locked: dict[uuid.UUID, LockedWallet], wallet_id: uuid.UUID | None, field: str) -> LockedWallet | None:
    if wallet_id is None:
        return None
    wallet = locked.get(wallet_id)
    if wallet is None:
        raise NotFound("wallet not found", field=[field])
    return wallet


def check_customer_token(principal: Principal, req: PostingRequest, source: LockedWallet | None, target: LockedWallet | None) -> None:
    """A customer's delegated token moves money only out of that customer's own wallets."""
    if not principal.is_customer:
        return
    if source is None:
        # Top-ups bring money in from the bank: only the partner itself may do that.
        raise NotFound("wallet not found", field=[req.to_field])
    if source.customer_id != principal.customer_id:
        raise NotFound("wallet not found", field=[req.from_field])


def common_currency(source: LockedWallet | None, target: LockedWallet | None, requested: str | None, req: PostingRequest) -> str:
    wallet = source or target
    assert wallet is not None
    if source is not None and target is not None and source.currency != target.currency:
        raise CurrencyMismatch(
            f"cannot transfer {source.currency} to a {target.currency} wallet", field=[req.to_field]
        )
    if requested is not None and requested != wallet.currency:
        raise CurrencyMismatch(f"the wallet holds {wallet.currency}, not {requested}", field=["currency"])
    return wallet.currency


async def legs_for(kind: TransactionKind, source: LockedWallet | None, target: LockedWallet | None, amount_minor: int, currency: str) -> list[Leg]:
    if kind == TransactionKind.TRANSFER:
        assert source and target
        return move(debit_account_id=source.account_id, credit_account_id=target.account_id, amount_minor=amount_minor, currency=currency)
    settlement = await system_account_id(AccountKind.SETTLEMENT, currency, create=False)
    if kind == TransactionKind.TOP_UP:
        assert target
        return move(debit_account_id=settlement, credit_account_id=target.account_id, amount_minor=amount_minor, currency=currency)
    assert source and kind == TransactionKind.WITHDRAWAL
    return move(debit_account_id=source.account_id, credit_account_id=settlement, amount_minor=amount_minor, currency=currency)


def balance_deltas(legs: list[Leg], wallet_accounts: set[int]) -> dict[int, int]:
    """The net change of each wallet account's stored balance (fee legs included)."""
    deltas: dict[int, int] = {}
    for leg in legs:
        if leg.account_id in wallet_accounts:
            deltas[leg.account_id] = deltas.get(leg.account_id, 0) + leg.amount_minor
    return deltas


def check_wallets_can_move(
    source: LockedWallet | None, target: LockedWallet | None, req: PostingRequest, deltas: dict[int, int]
) -> None:
    """Status, funds (principal and fee) and overflow, on the locked rows."""
    for wallet, field in ((source, req.from_field), (target, req.to_field)):
        if wallet is not None and wallet.status != WalletStatus.ACTIVE.value:
            raise WalletNotActive(f"wallet is {wallet.status.lower()}", field=[field])
    # Checked on the locked rows, so no concurrent posting can spend the same
    # money. The payer must afford principal and fee together, or nothing moves.
    for wallet, field in ((source, req.from_field), (target, req.to_field)):
        if wallet is None:
            continue
        delta = deltas.get(wallet.account_id, 0)
        if delta < wallet.held_minor - wallet.balance_minor:
            raise InsufficientFunds("the wallet's available balance is too low (amount plus fee)", field=[field])
        if delta > MAX_MINOR - wallet.balance_minor:
            raise InvalidAmount("the receiving wallet's balance would exceed what the ledger can hold", field=["amount"])
