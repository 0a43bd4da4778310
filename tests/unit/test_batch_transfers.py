"""services.ledger.batch_transfers: a batch's shape is checked before any item runs."""

from __future__ import annotations

import pytest

from services.errors import ValidationFailed
from services.ledger.batch_transfers import MAX_TRANSFERS_PER_BATCH, check_batch


def test_one_to_a_hundred_items_with_distinct_keys_pass():
    check_batch(["a"])
    check_batch([f"k{n}" for n in range(MAX_TRANSFERS_PER_BATCH)])


@pytest.mark.parametrize("keys, field", [
    ([], ["transfers"]),
    ([f"k{n}" for n in range(MAX_TRANSFERS_PER_BATCH + 1)], ["transfers"]),
    (["a", "b", "a"], ["transfers", "2", "idempotencyKey"]),
])
def test_an_empty_oversized_or_repeating_batch_is_refused(keys, field):
    with pytest.raises(ValidationFailed) as caught:
        check_batch(keys)
    assert caught.value.field == field
