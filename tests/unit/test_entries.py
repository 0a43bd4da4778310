"""Double-entry legs: a posting balances per currency or it is refused (services.ledger.entries)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.errors import DomainError
from services.ledger.entries import Leg, UnbalancedPosting, balanced_legs, move

PROPERTY = settings(derandomize=True, database=None, max_examples=300, deadline=None)


def test_move_debits_one_account_and_credits_the_other():
    legs = move(debit_account_id=1, credit_account_id=2, amount_minor=1250, currency="CNY")
    assert legs == [Leg(1, -1250, "CNY"), Leg(2, 1250, "CNY")]


@pytest.mark.parametrize("amount", [0, -1, -1250])
def test_move_of_a_non_positive_amount_is_refused(amount):
    with pytest.raises(UnbalancedPosting):
        move(debit_account_id=1, credit_account_id=2, amount_minor=amount, currency="CNY")


def test_a_balanced_multi_leg_posting_passes_unchanged():
    legs = [Leg(1, -1000, "CNY"), Leg(2, 990, "CNY"), Leg(3, 7, "CNY"), Leg(4, 3, "CNY")]
    assert balanced_legs(legs) == legs


def test_postings_balance_per_currency():
    legs = [Leg(1, -500, "USD"), Leg(2, 500, "USD"), Leg(3, -3500, "CNY"), Leg(4, 3500, "CNY")]
    assert balanced_legs(legs) == legs


def test_a_posting_balanced_only_across_currencies_is_refused():
    with pytest.raises(UnbalancedPosting):
        balanced_legs([Leg(1, -500, "USD"), Leg(2, 500, "CNY")])


@pytest.mark.parametrize(
    "legs",
    [
        [Leg(1, -1000, "CNY"), Leg(2, 999, "CNY")],
        [Leg(1, 1, "CNY"), Leg(2, 1, "CNY")],
        [Leg(1, -1, "JPY")],
        [],
    ],
)
def test_unbalanced_postings_are_refused(legs):
    with pytest.raises(UnbalancedPosting):
        balanced_legs(legs)


def test_a_zero_leg_is_refused_even_when_the_rest_balances():
    with pytest.raises(UnbalancedPosting):
        balanced_legs([Leg(1, -10, "CNY"), Leg(2, 10, "CNY"), Leg(3, 0, "CNY")])


def test_an_unbalanced_posting_is_a_programming_error_not_a_user_error():
    assert issubclass(UnbalancedPosting, AssertionError)
    assert not issubclass(UnbalancedPosting, DomainError)


@st.composite
def balanced_postings(draw) -> list[Leg]:
    """Legs in one or more currencies, each currency's debits split into credits of the same total."""
    legs: list[Leg] = []
    account = iter(range(1, 10_000))
    for currency in draw(st.lists(st.sampled_from(["CNY", "USD", "JPY", "KWD"]), min_size=1, max_size=3, unique=True)):
        debits = draw(st.lists(st.integers(min_value=1, max_value=10**15), min_size=1, max_size=4))
        total = sum(debits)
        cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=total - 1), max_size=4))) if total > 1 else []
        credits = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
        legs += [Leg(next(account), -d, currency) for d in debits]
        legs += [Leg(next(account), c, currency) for c in credits]
    return draw(st.permutations(legs))


@PROPERTY
@given(legs=balanced_postings())
def test_random_balanced_postings_always_pass(legs):
    assert balanced_legs(legs) == legs
    for currency in {leg.currency for leg in legs}:
        assert sum(leg.amount_minor for leg in legs if leg.currency == currency) == 0


@PROPERTY
@given(legs=balanced_postings(), data=st.data())
def test_perturbing_one_leg_of_a_balanced_posting_is_always_refused(legs, data):
    index = data.draw(st.integers(min_value=0, max_value=len(legs) - 1))
    delta = data.draw(st.integers(min_value=-(10**6), max_value=10**6).filter(lambda d: d != 0))
    broken = list(legs)
    broken[index] = Leg(legs[index].account_id, legs[index].amount_minor + delta, legs[index].currency)
    with pytest.raises(UnbalancedPosting):
        balanced_legs(broken)


@PROPERTY
@given(legs=balanced_postings(), data=st.data())
def test_dropping_one_leg_of_a_balanced_posting_is_always_refused(legs, data):
    index = data.draw(st.integers(min_value=0, max_value=len(legs) - 1))
    with pytest.raises(UnbalancedPosting):
        balanced_legs(legs[:index] + legs[index + 1:])
