"""transfersCreate: up to 100 transfers in one call, each its own posting with its own key, result or refusal.

A batch is never all-or-nothing: each item is exactly a transferCreate (the
same checks, the one posting engine's statement, its own result or refusal),
so one refused item (insufficient funds, a limit, a hold) leaves the others
posted, and an item retried with its key is replayed like any transfer. Runs
of same-currency transfers that share no customer are committed together
(services.ledger.group_commit), which keeps each item atomic and in order. What the batch itself checks, before any item
runs, is its shape: 1 to 100 items and no idempotency key twice (the second
would silently replay the first).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from auth.principal import Principal
from services.audit import AuditNote
from services.errors import ValidationFailed
from services.fx.transfers import create_transfer, is_same_currency_transfer
from services.ledger.group_commit import Alone, Outcome, post_in_order
from services.ledger.posting import transfer_request
from services.ledger.request import PostingRequest

MAX_TRANSFERS_PER_BATCH = 100


def check_batch(keys: Sequence[str]) -> None:
    """Refuse (VALIDATION) an empty batch, one of more than 100 items, or one that names a key twice."""
    if not keys:
        raise ValidationFailed("a batch holds at least one transfer", field=["transfers"])
    if len(keys) > MAX_TRANSFERS_PER_BATCH:
        raise ValidationFailed(f"a batch holds at most {MAX_TRANSFERS_PER_BATCH} transfers, not {len(keys)};"
                               " send several batches", field=["transfers"])
    first_at: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in first_at:
            raise ValidationFailed(f"transfers {first_at[key]} and {index} have the same idempotencyKey: each item"
                                   " needs its own", field=["transfers", str(index), "idempotencyKey"])
        first_at[key] = index


@dataclass(frozen=True)
class TransferOrder:
    """One item of a batch: what transferCreate takes."""

    from_wallet_id: uuid.UUID | None
    to_wallet_id: uuid.UUID | None
    amount: str
    idempotency_key: str
    memo: str | None = None
    currency: str | None = None
    quote_id: uuid.UUID | None = None
    quote_named: bool = False
    dry_run: bool = False


async def create_transfers(principal: Principal, orders: Sequence[TransferOrder], audit: AuditNote | None) -> list[Outcome]:
    """Run each transfer in order, each exactly as transferCreate would, with its own result or refusal.

    Same-currency transfers go to the posting engine's group commit (services.ledger.group_commit): consecutive ones
    sharing no customer are written in one transaction. A dry run or a transfer at an FX quote runs alone, in its place.
    """
    items: list[PostingRequest | Alone] = []
    for order in orders:
        if not order.dry_run and await is_same_currency_transfer(principal, order.from_wallet_id, order.to_wallet_id,
                                                                order.quote_named):
            items.append(transfer_request(
                from_wallet_id=order.from_wallet_id, to_wallet_id=order.to_wallet_id, amount=order.amount,
                idempotency_key=order.idempotency_key, memo=order.memo, currency=order.currency,
            ))
        else:
            items.append(functools.partial(
                create_transfer, principal=principal, from_wallet_id=order.from_wallet_id,
                to_wallet_id=order.to_wallet_id, amount=order.amount, idempotency_key=order.idempotency_key,
                memo=order.memo, currency=order.currency, quote_id=order.quote_id, quote_named=order.quote_named,
                audit=audit, dry_run=order.dry_run,
            ))
    return await post_in_order(principal, items, audit)
