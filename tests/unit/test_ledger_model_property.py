"""Property test of the posting rules on the pure in-memory model (no database).

This alone proves little about the real engine: tests/integration/test_ledger_property.py
replays the same kind of sequences against the real services and compares them
step by step with this model.
"""

from __future__ import annotations

from hypothesis import given, settings

from services.errors import ALL_ERROR_CODES
from tests.unit.ledger_model import Conflict, LedgerModel, Replay, TopUp, Transfer, operations


@settings(derandomize=True, database=None, max_examples=400, deadline=None)
@given(ops=operations(max_size=40))
def test_random_sequences_conserve_money_and_never_go_negative(ops):
    model = LedgerModel()
    for step, op in enumerate(ops):
        request = model.request_for(op, step)
        if request is None:
            continue
        before = (model.wallet_balances(), dict(model.keys))
        expected = model.apply(request, step)

        assert model.invariant_problems() == []
        if expected.code is not None or expected.replay_of is not None:
            # A refusal or a replay moves nothing and claims no key.
            assert (model.wallet_balances(), model.keys) == before
        if expected.code is not None:
            assert expected.code in ALL_ERROR_CODES
        if isinstance(op, Transfer) and op.source == op.target:
            assert expected.code == "SAME_WALLET"
        if isinstance(op, Replay):
            assert expected == model.apply(request, step)  # replaying twice is still a replay
            assert expected.code is None and expected.replay_of is not None
        if isinstance(op, Conflict):
            assert expected.code == "IDEMPOTENCY_CONFLICT"


def test_the_model_refuses_overdrafts_and_books_both_sides():
    model = LedgerModel()
    assert model.apply(model.request_for(Transfer(0, 1, 1), 0), 0).code == "INSUFFICIENT_FUNDS"
    assert model.apply(model.request_for(TopUp(0, 500), 1), 1).code is None
    assert model.apply(model.request_for(Transfer(0, 3, 100), 2), 2).code == "CURRENCY_MISMATCH"
    assert model.apply(model.request_for(Transfer(0, 1, 501), 3), 3).code == "INSUFFICIENT_FUNDS"
    assert model.apply(model.request_for(Transfer(0, 1, 500), 4), 4).code is None
    assert model.wallet_balances() == [0, 500, 0, 0]
    assert model.balances[model.settlement("CNY")] == -500
