"""The rules a posting must pass, as pure checks on the wallets it touches.

Planning runs them on the wallets as last known; both backends (PostgreSQL's
single statement and SQLite's transaction) run them again on the locked
rows, in this order, so they refuse alike.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models.enums import WalletStatus
from services.db.wallet_rows import LockedWallet
from services.errors import CurrencyMismatch, InsufficientFunds, InvalidAmount, NotFound, WalletNotActive
from services.ledger.request import PostingRequest
from services.money import MAX_MINOR
from services.scoping import own_customer, token_customer


def locked_or_missing(locked: dict[uuid.UUID, LockedWallet], wallet_id: uuid.UUID | None, field: str) -> LockedWallet | None:
    """The wallet the request named, None if it named none, NotFound if it is not (the partner's) to be had."""
    if wallet_id is None:
        return None
    wallet = locked.get(wallet_id)
    if wallet is None:
        raise NotFound("wallet not found", field=[field])
    return wallet


def check_customer_token(principal: Principal, req: PostingRequest, source: LockedWallet | None, target: LockedWallet | None) -> None:
    """A customer's delegated token moves money only out of that customer's own wallets."""
    if source is None:
        # Top-ups bring money in from the bank: only the partner itself may do that.
        if token_customer(principal) is not None:
            raise NotFound("wallet not found", field=[req.to_field])
        return
    if not own_customer(principal, source.customer_id):
        raise NotFound("wallet not found", field=[req.from_field])


def common_currency(source: LockedWallet | None, target: LockedWallet | None, requested: str | None, req: PostingRequest) -> str:
    """The currency both wallets (and the request, if it names one) agree on, else CurrencyMismatch."""
    wallet = source or target
    assert wallet is not None
    if source is not None and target is not None and source.currency != target.currency:
        raise CurrencyMismatch(
            f"cannot transfer {source.currency} to a {target.currency} wallet", field=[req.to_field]
        )
    if requested is not None and requested != wallet.currency:
        raise CurrencyMismatch(f"the wallet holds {wallet.currency}, not {requested}", field=["currency"])
    return wallet.currency


def conversion_currency(source: LockedWallet | None, target: LockedWallet | None, sell: str | None,
                        req: PostingRequest) -> str:
    """An FX conversion's sell currency: the paying wallet holds the quote's sell currency, the receiving one its buy
    currency, else CurrencyMismatch (services.fx checks the quote first and says QUOTE_MISMATCH)."""
    assert source is not None and target is not None and req.fx is not None
    if sell is not None and source.currency != sell:
        raise CurrencyMismatch(f"the paying wallet holds {source.currency}, not {sell}", field=[req.from_field])
    if target.currency != req.fx.buy_currency:
        raise CurrencyMismatch(f"the receiving wallet holds {target.currency}, not {req.fx.buy_currency}",
                               field=[req.to_field])
    return source.currency


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
        # A capture spends the reservation it releases: only the rest of the holds stays out of reach.
        held = wallet.held_minor - (req.release_held_minor if wallet is source else 0)
        if delta < held - wallet.balance_minor:
            raise InsufficientFunds("the wallet's available balance is too low (amount plus fee)", field=[field])
        if delta > MAX_MINOR - wallet.balance_minor:
            raise InvalidAmount("the receiving wallet's balance would exceed what the ledger can hold", field=["amount"])
