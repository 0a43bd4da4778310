"""The pure coupon rules: discounts in integer minor units, the order of refusals, stacking, refund shares, and the
funded legs of a discounted payment and refund (services.ledger.plan)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from services.coupons.refunding import share_back
from services.coupons.reserving import Applied, Discounts
from services.coupons.terms import Reason, Spend, Terms, discount_minor, refusal, stacking_refusal
from dataclasses import replace

from models.enums import TransactionKind
from services.ledger.plan import FundedParts, build_plan
from tests.unit.test_ledger_plan import SOURCE, TARGET, inputs

NOW = datetime(2031, 5, 1, tzinfo=timezone.utc)
MERCHANT = uuid.uuid4()


def _terms(**overrides: object) -> Terms:
    values: dict[str, object] = dict(
        id=uuid.uuid4(), currency="CNY", discount_kind="FIXED", amount_off_minor=1000, percent_off_bps=None,
        max_discount_minor=None, min_spend_minor=5000, merchant_ids=(), mccs=(), valid_from=NOW - timedelta(days=1),
        valid_to=NOW + timedelta(days=1), stackable=False)
    values.update(overrides)
    return Terms(**values)  # type: ignore[arg-type]


def _spend(amount_minor: int = 8000, **overrides: object) -> Spend:
    values: dict[str, object] = dict(amount_minor=amount_minor, currency="CNY", merchant_id=MERCHANT, mcc="5812", at=NOW)
    values.update(overrides)
    return Spend(**values)  # type: ignore[arg-type]


def test_fixed_and_percentage_discounts_are_integers_capped_and_never_the_whole_amount():
    assert discount_minor(_terms(), 8000) == 1000
    assert discount_minor(_terms(), 600) == 599  # the payer pays at least one minor unit
    pct = _terms(discount_kind="PERCENTAGE", amount_off_minor=None, percent_off_bps=1250)
    assert discount_minor(pct, 999) == 124  # 12.5% of 9.99 = 1.24875: rounded down
    assert discount_minor(_terms(discount_kind="PERCENTAGE", amount_off_minor=None, percent_off_bps=5000,
                                 max_discount_minor=300), 10000) == 300


@pytest.mark.parametrize(("terms", "spend", "reason"), [
    (_terms(valid_from=NOW + timedelta(hours=1)), _spend(), Reason.OUTSIDE_WINDOW),
    (_terms(valid_to=NOW), _spend(), Reason.OUTSIDE_WINDOW),  # validTo is exclusive
    (_terms(), _spend(currency="USD"), Reason.CURRENCY_MISMATCH),
    (_terms(merchant_ids=(str(uuid.uuid4()),)), _spend(), Reason.MERCHANT_EXCLUDED),
    (_terms(mccs=("4111",)), _spend(), Reason.MERCHANT_EXCLUDED),
    (_terms(), _spend(4999), Reason.BELOW_MINIMUM_SPEND),
    (_terms(merchant_ids=(str(MERCHANT),), mccs=("5812",)), _spend(5000), None),
])
def test_refusals_in_order(terms, spend, reason):
    assert refusal(terms, spend) == reason


def test_stacking():
    a, b = _terms(stackable=True), _terms(stackable=True)
    assert stacking_refusal([a], with_points=True) is None
    assert stacking_refusal([a, b], with_points=True) is None
    assert stacking_refusal([_terms()], with_points=False) is None
    assert stacking_refusal([_terms()], with_points=True) == Reason.NOT_STACKABLE
    assert stacking_refusal([a, _terms()], with_points=False) == Reason.NOT_STACKABLE
    assert stacking_refusal([a, a], with_points=False) == Reason.NOT_STACKABLE  # one campaign twice


def test_refund_shares_add_up_to_exactly_the_discount():
    discount, paid = 1000, 7777
    parts, refunded = [], 0
    for piece in (1, 2500, 3333, 1943):
        parts.append(share_back(discount, paid, refunded, piece))
        refunded += piece
    assert refunded == paid and sum(parts) == discount and all(p >= 0 for p in parts)


def test_discounts_fund_one_part_per_budget_account():
    applied = Discounts((Applied(uuid.uuid4(), uuid.uuid4(), 7, 300), Applied(uuid.uuid4(), uuid.uuid4(), 5, 200)))
    assert applied.total_minor == 500
    assert applied.funded == FundedParts(((5, 200), (7, 300)))
    assert Discounts(()).funded is None


BUDGET = 77  # a campaign's COUPON_BUDGET account (no stored balance: never among the deltas)


def test_a_discounted_payment_is_one_balanced_plan_the_merchant_receiving_the_whole_amount():
    plan = build_plan(replace(inputs(TransactionKind.PAYMENT, 8000), funded=FundedParts(((BUDGET, 1000),))))
    assert sorted((leg.account_id, leg.amount_minor) for leg in plan.legs) == [(SOURCE, -7000), (TARGET, 8000), (BUDGET, -1000)]
    assert plan.deltas == {SOURCE: -7000, TARGET: 8000} and plan.hold_minor == 7000


def test_a_refund_gives_the_discount_share_back_to_the_budget_and_funding_fills_it():
    plan = build_plan(replace(inputs(TransactionKind.REFUND, 4000), funded=FundedParts(((BUDGET, 500),))))
    assert sorted((leg.account_id, leg.amount_minor) for leg in plan.legs) == [(SOURCE, -4000), (TARGET, 3500), (BUDGET, 500)]
    funding = replace(inputs(TransactionKind.WITHDRAWAL, 9000), kind=TransactionKind.COUPON_FUNDING,
                      funded=FundedParts(((BUDGET, 9000),)))
    assert [(leg.account_id, leg.amount_minor) for leg in build_plan(funding).legs] == [(SOURCE, -9000), (BUDGET, 9000)]


def test_funded_parts_never_cover_the_whole_amount():
    with pytest.raises(AssertionError):
        build_plan(replace(inputs(TransactionKind.PAYMENT, 1000), funded=FundedParts(((BUDGET, 1000),))))
