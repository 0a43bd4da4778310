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
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import IdempotencyRecord
from services.aml.activity import forget_activity
from services.audit import AuditNote
from services.errors import BatchAborted, DomainError, ValidationFailed
from services.fx.transfers import create_transfer, is_same_currency_transfer
from services.ledger.group_commit import Alone, Outcome, captured, post_in_order
from services.ledger.posting import transfer_request
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest, check_request
from services.live.after_commit import announcements_after_commit
from services.scoping import of_tenant

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


async def create_transfers(principal: Principal, orders: Sequence[TransferOrder], audit: AuditNote | None,
                           *, atomic: bool = False) -> list[Outcome]:
    """Run each transfer in order, each exactly as transferCreate would, with its own result or refusal.

    Same-currency transfers go to the posting engine's group commit (services.ledger.group_commit): consecutive ones
    sharing no customer are written in one transaction. A dry run or a transfer at an FX quote runs alone, in its place.
    atomic: all or nothing instead (see _all_or_nothing).
    """
    if atomic:
        return await _all_or_nothing(principal, orders, audit)
    items: list[PostingRequest | Alone] = []
    for order in orders:
        if not order.dry_run and await is_same_currency_transfer(principal, order.from_wallet_id, order.to_wallet_id,
                                                                order.quote_named):
            items.append(transfer_request(
                from_wallet_id=order.from_wallet_id, to_wallet_id=order.to_wallet_id, amount=order.amount,
                idempotency_key=order.idempotency_key, memo=order.memo, currency=order.currency,
            ))
        else:
            items.append(functools.partial(_transfer, principal, order, audit))
    return await post_in_order(principal, items, audit)


def _transfer(principal: Principal, order: TransferOrder, audit: AuditNote | None) -> Awaitable[TransactionRecord]:
    """transferCreate for one item, exactly (a same-currency transfer, or one at an FX quote)."""
    return create_transfer(
        principal=principal, from_wallet_id=order.from_wallet_id, to_wallet_id=order.to_wallet_id, amount=order.amount,
        idempotency_key=order.idempotency_key, memo=order.memo, currency=order.currency, quote_id=order.quote_id,
        quote_named=order.quote_named, audit=audit, dry_run=order.dry_run,
    )


class _Refused(Exception):
    """An item of an all-or-nothing batch was refused: roll the whole batch back."""

    def __init__(self, index: int, refusal: DomainError) -> None:
        super().__init__(index)
        self.index, self.refusal = index, refusal


async def _all_or_nothing(principal: Principal, orders: Sequence[TransferOrder], audit: AuditNote | None) -> list[Outcome]:
    """Every transfer posts or none does: one transaction, each item planned and posted inside it, in order (each
    sees the ones before it), rolled back at the first refusal.

    An item whose key is already stored replays its original first, outside the transaction (a replay writes
    nothing): inside it, the key's unique index would abort the transaction instead of answering. A key claimed by
    another request meanwhile, or a lock wait that times out, aborts the batch: every item is then BATCH_ABORTED.
    """
    outcomes: list[Outcome | None] = [None] * len(orders)
    stored = await _stored_keys(principal, orders)
    for index in sorted(stored):  # the original answers of a batch sent again (or of keys used before)
        outcomes[index] = await captured(_transfer(principal, orders[index], audit))
    conflicting = [i for i in sorted(stored) if isinstance(outcomes[i], DomainError)]  # a key used with other input
    if conflicting:
        return _aborted(orders, outcomes, stored, conflicting[0], outcomes[conflicting[0]])  # type: ignore[arg-type]
    committed = False
    try:
        # Live subscribers hear of the postings after the commit, and not at all after a rollback.
        async with announcements_after_commit(), in_transaction():
            for index, order in enumerate(orders):
                if index in stored:
                    continue
                outcome = await captured(_transfer(principal, order, audit))
                if isinstance(outcome, DomainError):
                    raise _Refused(index, outcome)
                outcomes[index] = outcome
        committed = True
    except _Refused as stop:
        return _aborted(orders, outcomes, stored, stop.index, stop.refusal)
    except (IntegrityError, OperationalError):
        return [outcomes[i] if i in stored else BatchAborted(
            "not posted: another request used one of these keys, or a wallet stayed locked, while the batch was"
            " written; nothing of it moved: send it again", field=["transfers", str(i)]) for i in range(len(orders))]
    finally:
        if not committed:
            # The rolled-back postings noted their wallets as active (services.aml.activity): forget that, so
            # that a dormant wallet's next real posting is still checked for DORMANT_REACTIVATION.
            forget_activity([w for o in orders for w in (o.from_wallet_id, o.to_wallet_id) if w is not None])
    return outcomes  # type: ignore[return-value]


def _aborted(orders: Sequence[TransferOrder], outcomes: list[Outcome | None], stored: set[int], refused: int,
             refusal: DomainError) -> list[Outcome]:
    """The answers of a batch that did not post: the refused item's refusal, replays as they were, BATCH_ABORTED."""
    return [refusal if i == refused else outcomes[i] if i in stored else BatchAborted(  # type: ignore[misc]
        f"not posted: the batch is all or nothing and transfer {refused} was refused ({refusal.code})",
        field=["transfers", str(i)]) for i in range(len(orders))]


async def _stored_keys(principal: Principal, orders: Sequence[TransferOrder]) -> set[int]:
    """The items whose idempotency key this partner (or customer) has already used, by index."""
    keys: dict[str, int] = {}
    for index, order in enumerate(orders):
        if order.dry_run:
            continue
        try:
            keys[check_request(principal, transfer_request(
                from_wallet_id=order.from_wallet_id, to_wallet_id=order.to_wallet_id, amount=order.amount,
                idempotency_key=order.idempotency_key)).key] = index
        except DomainError:
            continue  # refused before any key is looked up
    if not keys:
        return set()
    used = await of_tenant(IdempotencyRecord, principal.partner_id).filter(key__in=list(keys)).values_list("key", flat=True)
    return {keys[key] for key in used}
