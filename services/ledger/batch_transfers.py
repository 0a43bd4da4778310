"""transfersCreate: up to 100 transfers in one call, each its own posting with its own key, result or refusal.

A batch is never all-or-nothing: each item goes through exactly the path of
transferCreate (services.fx.transfers.create_transfer, the one posting engine)
in its own database transaction, so one refused item (insufficient funds, a
limit, a hold) leaves the others posted, and an item retried with its key is
replayed like any transfer. What the batch itself checks, before any item
runs, is its shape: 1 to 100 items and no idempotency key twice (the second
would silently replay the first).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.errors import ValidationFailed

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
