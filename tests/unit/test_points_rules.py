"""Earn rules, pure: matching and precedence, caps, and proportional clawback rounding."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from services.errors import ValidationFailed
from services.money import format_amount, is_points_unit, normalise_currency
from services.errors import UnsupportedCurrency
from services.points.rules import EarnRule, Spend, applies, best_rule, clawback_points, points_for
from services.points.units import checked_unit_code, ledger_unit

AT = datetime(2031, 6, 15, 12, 0, tzinfo=timezone.utc)
SHOP = uuid.UUID(int=7)


def rule(n: int, **terms) -> EarnRule:
    values = {"kind": "PAYMENT", "points_per_unit": 1, "unit_minor": 100,
              "created_at": datetime(2031, 1, n, tzinfo=timezone.utc), **terms}
    return EarnRule(id=uuid.UUID(int=n), **values)


def spend(amount_minor: int = 12_345, **terms) -> Spend:
    return Spend(**{"kind": "PAYMENT", "amount_minor": amount_minor, "at": AT, "mcc": "5812", "merchant_id": SHOP, **terms})


def test_a_rule_applies_only_to_its_kind_window_category_and_merchant():
    assert applies(rule(1), spend())
    assert not applies(rule(1, kind="TRANSFER"), spend())
    assert not applies(rule(1, mcc="4111"), spend())
    assert not applies(rule(1, merchant_id=uuid.UUID(int=8)), spend())
    assert applies(rule(1, valid_from=AT, valid_to=datetime(2031, 7, 1, tzinfo=timezone.utc)), spend())
    assert not applies(rule(1, valid_to=AT), spend())  # the window's end is exclusive
    assert not applies(rule(1, valid_from=datetime(2031, 7, 1, tzinfo=timezone.utc)), spend())


def test_the_most_specific_rule_wins_then_the_most_points_then_the_oldest():
    general, rich = rule(1, points_per_unit=5), rule(2, points_per_unit=9)
    category, merchant = rule(3, mcc="5812"), rule(4, merchant_id=SHOP)
    assert best_rule([general, rich, category, merchant], spend()) == merchant
    assert best_rule([general, rich, category], spend()) == category
    assert best_rule([general, rich], spend()) == rich
    twin = rule(5, points_per_unit=9)
    assert best_rule([twin, rich], spend()) == rich  # equal terms: the older one
    assert best_rule([rule(6, kind="TRANSFER")], spend()) is None


def test_only_whole_units_earn_and_caps_apply_per_transaction_then_per_month():
    assert points_for(rule(1), 12_345, earned_this_month=0) == 123
    assert points_for(rule(1, points_per_unit=3, unit_minor=1000), 999, earned_this_month=0) == 0
    assert points_for(rule(1, per_transaction_cap=50), 12_345, earned_this_month=0) == 50
    assert points_for(rule(1, per_month_cap=200), 12_345, earned_this_month=150) == 50
    assert points_for(rule(1, per_month_cap=200), 12_345, earned_this_month=250) == 0
    assert points_for(rule(1, per_transaction_cap=100, per_month_cap=130), 50_000, earned_this_month=50) == 80


def test_clawback_is_proportional_cumulative_and_rounds_in_the_customers_favour():
    # 123 points on 123.45: refunding 50.00 takes floor(123 x 5000 / 12345) = 49 (49.8 rounded down).
    assert clawback_points(earned=123, already_clawed=0, spend_minor=12_345, refunded_total_minor=5_000) == 49
    # The rest refunded later: everything earned is taken in all.
    assert clawback_points(earned=123, already_clawed=49, spend_minor=12_345, refunded_total_minor=12_345) == 74
    # Three refunds of a third each take what one refund of their sum would: 33, 33, 34 (never 33 x 3 + 0 left over).
    taken = 0
    for refunded in (1000, 2000, 3000):
        taken += clawback_points(earned=100, already_clawed=taken, spend_minor=3000, refunded_total_minor=refunded)
    assert taken == 100
    assert clawback_points(earned=100, already_clawed=0, spend_minor=3000, refunded_total_minor=1000) == 33
    # Never more than earned, never negative.
    assert clawback_points(earned=10, already_clawed=10, spend_minor=100, refunded_total_minor=500) == 0
    assert clawback_points(earned=10, already_clawed=0, spend_minor=0, refunded_total_minor=5) == 0


def test_unit_codes_are_letters_not_iso_currencies_and_money_inputs_stay_iso_only():
    assert checked_unit_code(" pts ") == "PTS"
    for bad in ("P1S", "PT", "", None, "CNY", "USD"):
        with pytest.raises(ValidationFailed):
            checked_unit_code(bad)
    with pytest.raises(ValidationFailed):
        checked_unit_code("POINTS")  # fits the pattern, but not the ledger's 3-letter currency columns (yet)
    # In the ledger a unit is lower case: never an ISO code, whatever ISO adds; upper-case non-ISO codes stay refused.
    assert ledger_unit("PTS") == "pts"
    assert is_points_unit("pts") and is_points_unit("miles") and not is_points_unit("cny")
    assert not is_points_unit("PTS") and not is_points_unit("BTC")
    assert format_amount(1234, "pts") == "1234" and format_amount(1234, "CNY") == "12.34"
    for code in ("pts", "PTS", "BTC"):
        with pytest.raises(UnsupportedCurrency):
            normalise_currency(code)  # a wallet, payment or fee can never be in points
