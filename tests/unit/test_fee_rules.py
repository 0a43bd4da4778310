"""The pure fee arithmetic and rule precedence of services/fees/rules.py (no database)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.fees.rules import FeeContext, RuleSpec, compute_fee, decide_fee, matches, overlaps, precedence, select_rule
from services.money import MAX_MINOR

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
PARTNER = uuid.UUID(int=1)
OTHER = uuid.UUID(int=2)


def rule(**changes) -> RuleSpec:
    base = RuleSpec(
        id=uuid.UUID(int=100), partner_id=None, kind="WITHDRAWAL", currency=None, corridor=None,
        destination_country=None, customer_kind=None, amount_min_minor=None, amount_max_minor=None, fixed_minor=0,
        rate_bps=0, fee_min_minor=0, fee_max_minor=None, free_per_month=0, effective_from=T0, effective_to=None,
    )
    return dataclasses.replace(base, **changes)


def ctx(**changes) -> FeeContext:
    base = FeeContext(partner_id=PARTNER, kind="WITHDRAWAL", currency="CNY", amount_minor=10_000, corridor="DOMESTIC",
                      destination_country="CN", customer_kind="INDIVIDUAL", at=T0 + timedelta(days=1))
    return dataclasses.replace(base, **changes)


# --- compute_fee ---------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "expected"), [(50, 1), (49, 0), (150, 2), (149, 1), (250, 3), (0, 0)])
def test_the_rate_rounds_half_up_on_the_minor_unit(amount, expected):
    # 1 % of 50 is 0.5 -> 1; of 49 is 0.49 -> 0; 1.5 -> 2; 2.5 -> 3 (half up, not to even)
    assert compute_fee(rule(rate_bps=100), amount) == expected


def test_fixed_plus_rate():
    assert compute_fee(rule(fixed_minor=100, rate_bps=250), 10_000) == 100 + 250


def test_the_minimum_and_maximum_clamp_the_fee():
    assert compute_fee(rule(rate_bps=100, fee_min_minor=500), 10_000) == 500
    assert compute_fee(rule(rate_bps=100, fee_max_minor=50), 10_000) == 50
    assert compute_fee(rule(rate_bps=100, fee_min_minor=50, fee_max_minor=150), 10_000) == 100


def test_a_fee_is_never_negative():
    assert compute_fee(rule(fixed_minor=-1), 10) == 0  # the (zero) minimum lifts it
    with pytest.raises(ValueError):
        compute_fee(rule(fixed_minor=-5, fee_min_minor=-5), 10)  # terms the schedule refuses: still never charged
    assert compute_fee(rule(), 10**12) == 0


def test_percentages_of_huge_amounts_do_not_overflow_but_a_fee_beyond_bigint_is_refused():
    assert compute_fee(rule(rate_bps=5_000), MAX_MINOR) == (MAX_MINOR + 1) // 2  # half of an odd number, rounded up
    assert compute_fee(rule(rate_bps=10_000), MAX_MINOR) == MAX_MINOR
    with pytest.raises(ValueError):
        compute_fee(rule(rate_bps=10_000, fixed_minor=1), MAX_MINOR)


@settings(derandomize=True, database=None, max_examples=300)
@given(
    fixed=st.integers(0, 10**6), rate=st.integers(0, 10_000), fee_min=st.integers(0, 10**6),
    extra=st.one_of(st.none(), st.integers(0, 10**6)), amount=st.integers(0, 10**15),
)
def test_the_fee_stays_within_min_and_max(fixed, rate, fee_min, extra, amount):
    fee_max = None if extra is None else fee_min + extra
    fee = compute_fee(rule(fixed_minor=fixed, rate_bps=rate, fee_min_minor=fee_min, fee_max_minor=fee_max), amount)
    assert fee >= fee_min and fee >= 0
    if fee_max is not None:
        assert fee <= fee_max
    exact = fixed + amount * rate / 10_000  # unclamped, the rounding moves it by at most half a minor unit
    if fee_min < fee and (fee_max is None or fee < fee_max):
        assert abs(fee - exact) <= 0.5 + 1e-6 * max(1.0, exact)


# --- precedence and selection -----------------------------------------------------------


def test_a_partner_rule_beats_the_bank_default_even_a_more_specific_one():
    bank = rule(currency="CNY", corridor="DOMESTIC", customer_kind="INDIVIDUAL", fixed_minor=1)
    own = rule(id=uuid.UUID(int=101), partner_id=PARTNER, fixed_minor=2)
    assert precedence(own) > precedence(bank)
    assert select_rule([bank, own], ctx()) == own


def test_more_selectors_beat_fewer_and_a_tier_counts_as_one():
    general = rule(id=uuid.UUID(int=1), fixed_minor=1)
    by_currency = rule(id=uuid.UUID(int=2), currency="CNY", fixed_minor=2)
    by_currency_and_tier = rule(id=uuid.UUID(int=3), currency="CNY", amount_min_minor=0, amount_max_minor=10**9)
    assert precedence(general) == (0, 0, 0) and precedence(by_currency) == (0, 0, 1)
    assert precedence(by_currency_and_tier) == (0, 0, 2)
    assert select_rule([general, by_currency], ctx()) == by_currency
    assert select_rule([general, by_currency, by_currency_and_tier], ctx()) == by_currency_and_tier
    assert select_rule([general, by_currency], ctx(currency="USD")) == general


def test_another_partners_rule_never_applies():
    assert not matches(rule(partner_id=OTHER), ctx())
    assert select_rule([rule(partner_id=OTHER)], ctx()) is None


def test_effective_from_is_inclusive_and_effective_to_exclusive():
    window = rule(effective_from=T0, effective_to=T0 + timedelta(hours=1))
    assert matches(window, ctx(at=T0))
    assert not matches(window, ctx(at=T0 - timedelta(microseconds=1)))
    assert matches(window, ctx(at=T0 + timedelta(hours=1) - timedelta(microseconds=1)))
    assert not matches(window, ctx(at=T0 + timedelta(hours=1)))


def test_an_amount_tier_is_min_inclusive_max_exclusive():
    tier = rule(currency="CNY", amount_min_minor=100, amount_max_minor=200)
    assert [matches(tier, ctx(amount_minor=a)) for a in (99, 100, 199, 200)] == [False, True, True, False]


# --- overlaps -----------------------------------------------------------------------------


def test_equal_precedence_rules_that_could_both_match_overlap():
    assert overlaps(rule(currency="CNY"), rule(currency="CNY", fixed_minor=5))
    assert overlaps(rule(currency="CNY"), rule(corridor="DOMESTIC"))  # both (0, 1), a CNY domestic payment matches both
    assert overlaps(rule(effective_to=T0 + timedelta(hours=2)), rule(effective_from=T0 + timedelta(hours=1)))


def test_rules_that_cannot_meet_or_differ_in_precedence_do_not_overlap():
    assert not overlaps(rule(currency="CNY"), rule(currency="USD"))
    assert not overlaps(rule(), rule(currency="CNY"))  # different precedence: the specific one wins
    assert not overlaps(rule(), rule(partner_id=PARTNER))
    assert not overlaps(rule(), rule(kind="TRANSFER"))
    assert not overlaps(rule(effective_to=T0 + timedelta(hours=1)), rule(effective_from=T0 + timedelta(hours=1)))
    low = rule(currency="CNY", amount_min_minor=0, amount_max_minor=100)
    high = rule(currency="CNY", amount_min_minor=100, amount_max_minor=None)
    assert not overlaps(low, high)
    assert overlaps(low, rule(currency="CNY", amount_min_minor=99, amount_max_minor=500))


# --- decide_fee and the free allowance ---------------------------------------------------------


def test_the_free_allowance_makes_the_first_n_free():
    monthly = rule(fixed_minor=100, free_per_month=2)
    decisions = [decide_fee([monthly], ctx(), used_this_month=used) for used in range(4)]
    assert [d.fee_minor for d in decisions] == [0, 0, 100, 100]
    assert [d.breakdown["free_allowance_used"] for d in decisions] == [True, True, False, False]
    assert all(d.rule == monthly for d in decisions)


def test_no_rule_means_no_fee():
    decision = decide_fee([rule(kind="TRANSFER", fixed_minor=100)], ctx(), used_this_month=0)
    assert decision.fee_minor == 0 and decision.rule is None
