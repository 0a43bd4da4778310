"""The verdict on each settlement line against our transfer: what to apply, nothing, or which exception."""

from __future__ import annotations

import pytest

from services.reconciliation.matching import (
    AMOUNT_MISMATCH, STATUS_CONFLICT, UNKNOWN_REFERENCE, Verdict, judge,
)


def _judge(file_status: str, ours_status: str | None, amount: int = 100, currency: str = "CNY") -> Verdict:
    ours = (ours_status, 100, "CNY") if ours_status is not None else None
    return judge(file_status=file_status, amount_minor=amount, currency=currency, ours=ours)


@pytest.mark.parametrize("file_status, ours, apply", [
    ("SETTLED", "SUBMITTED", ("SETTLED",)),
    ("SETTLED", "SETTLED", ()),
    ("SETTLED", "RETURNED", ()),
    ("SETTLED", "RETURN_UNRECOVERED", ()),
    ("FAILED", "SUBMITTED", ("FAILED",)),
    ("FAILED", "FAILED", ()),
    ("RETURNED", "SETTLED", ("RETURNED",)),
    ("RETURNED", "SUBMITTED", ("SETTLED", "RETURNED")),
    ("RETURNED", "RETURNED", ()),
    ("RETURNED", "RETURN_UNRECOVERED", ()),
])
def test_news_is_applied_and_what_we_know_is_left_alone(file_status, ours, apply):
    assert _judge(file_status, ours) == Verdict(apply=apply)


@pytest.mark.parametrize("file_status, ours", [
    ("SETTLED", "FAILED"), ("FAILED", "SETTLED"), ("FAILED", "RETURNED"), ("FAILED", "RETURN_UNRECOVERED"),
    ("RETURNED", "FAILED"),
])
def test_a_status_contradicting_our_final_state_is_a_conflict(file_status, ours):
    verdict = _judge(file_status, ours)
    assert verdict.exception == STATUS_CONFLICT and not verdict.apply


def test_unknown_references_and_amount_or_currency_mismatches_apply_nothing():
    assert _judge("SETTLED", None).exception == UNKNOWN_REFERENCE
    assert _judge("SETTLED", "SUBMITTED", amount=101).exception == AMOUNT_MISMATCH
    mismatch = _judge("SETTLED", "SUBMITTED", currency="USD")
    assert mismatch.exception == AMOUNT_MISMATCH and not mismatch.apply
    # The amount is checked before the status: a wrong amount on a conflicting line is a mismatch.
    assert _judge("FAILED", "SETTLED", amount=5).exception == AMOUNT_MISMATCH
