"""transfersCreate: a batch of transfers, each with its own result (issue 18 part 4). Rules in services.ledger.batch_transfers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import ErrorCode, UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import global_id_to_uuid
from schema.ledger.operations import TransferCreateInput, _tx
from schema.ledger.types import Transaction
from services.errors import DomainError
from services.ledger.batch_transfers import MAX_TRANSFERS_PER_BATCH, TransferOrder, check_batch, create_transfers
from services.ledger.records import TransactionRecord


@strawberry.input(description="Up to 100 transfers, each exactly what transferCreate takes (its own idempotencyKey).")
class TransfersCreateInput:
    transfers: list[TransferCreateInput] = strawberry.field(
        description=f"1 to {MAX_TRANSFERS_PER_BATCH} transfers, run in this order; no idempotencyKey twice."
    )
    atomic: bool = strawberry.field(
        default=False,
        description="false (the default): each item posts or is refused on its own. true: all or nothing: every item"
        " posts, or none does; the first refused item answers its userErrors, every other item BATCH_ABORTED, and"
        " nothing of the batch moves (items whose key was already used answer their original, as always).",
    )


@strawberry.type(description="One item of a batch: its transaction, or why it moved nothing.")
class TransferBatchItem:
    index: int = strawberry.field(description="The item's position in `transfers` (0-based).")
    transaction: Transaction | None = strawberry.field(
        permission_classes=requires("transactions:write"),  # reached only through transfersCreate: the same rule
        description="The posted (or HELD, or dry-run) transaction; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why this item moved nothing (the codes of transferCreate); empty when it went through.")


@strawberry.type(description="The result of transfersCreate: one result per item, in order.")
class TransfersCreatePayload:
    results: list[TransferBatchItem] = strawberry.field(
        description="One per item, in the order given. Empty when the batch itself was refused (userErrors).")
    user_errors: list[UserError] = strawberry.field(
        description="Why no item ran: VALIDATION (no item, more than 100, an idempotencyKey twice) or RATE_LIMITED"
        " (a batch costs one rate-limit token per item). Empty when the items ran, whatever their own outcomes.")


@strawberry.type
class BatchMutations:
    @strawberry.mutation(
        permission_classes=requires("transactions:write"),
        description="Up to 100 transfers in one call (payouts, settlements): each item is exactly a transferCreate,"
        " with its own idempotency key, its own posting and its own result or userErrors; not all-or-nothing (a"
        " refused item leaves the others posted) unless input.atomic is true. Retrying the whole batch with the same"
        " keys replays what was posted and runs what was not. Needs transactions:write (staff are FORBIDDEN).",
    )
    async def transfers_create(
        self, info: Info,
        input: Annotated[TransfersCreateInput, strawberry.argument(description="The transfers, in order.")],
    ) -> TransfersCreatePayload:
        items = input.transfers
        try:
            check_batch([item.idempotency_key for item in items])
        except DomainError as refusal:
            return TransfersCreatePayload(results=[], user_errors=[UserError.from_domain(refusal)])
        charge = info.context.charge
        if charge is not None and await charge(len(items) - 1) > 0:  # the request itself paid for one
            return TransfersCreatePayload(results=[], user_errors=[UserError(
                code=ErrorCode.RATE_LIMITED, message="rate limit exceeded for this many transfers; retry later")])
        orders = [TransferOrder(
            from_wallet_id=global_id_to_uuid(item.from_wallet_id, "Wallet"),
            to_wallet_id=global_id_to_uuid(item.to_wallet_id, "Wallet"),
            amount=item.amount, idempotency_key=item.idempotency_key, memo=item.memo, currency=item.currency,
            quote_id=global_id_to_uuid(item.quote_id, "FxQuote") if item.quote_id is not None else None,
            quote_named=item.quote_id is not None, dry_run=item.dry_run,
        ) for item in items]
        outcomes = await create_transfers(info.context.principal, orders, audit_note(info), atomic=input.atomic)
        results = []
        for index, (item, outcome) in enumerate(zip(items, outcomes)):
            model, errors = await attempt(info, _settled(outcome), dry_run=item.dry_run)
            results.append(TransferBatchItem(index=index, transaction=_tx(model), user_errors=errors))
        return TransfersCreatePayload(results=results, user_errors=[])


async def _settled(outcome: TransactionRecord | DomainError) -> TransactionRecord:
    """An item's outcome as `attempt` takes it: its transaction, or its refusal raised."""
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome
