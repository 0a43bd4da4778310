"""services.compliance.limits: tier limits as pure arithmetic (periods, caps, what remains)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.compliance.limits import (
    OutgoingLimits, PeriodKeys, Usage, check_max_balance, check_single, check_totals, period_keys, remaining, tier_limits,
)
from services.compliance.policies import Pack
from services.compliance.policy_document import Tier, TierLimits
from services.errors import KycRequired, LimitExceeded

LIMITS = TierLimits(max_balance=50_000, single_max=10_000, daily=15_000, monthly=25_000, annual=None, lifetime=100_000)
TIER = Tier(tier=2, name="Standard", cross_border=True, limits={"EUR": LIMITS})
PACK = Pack(jurisdiction="QA", name="Tests", countries=("FR",), timezone=ZoneInfo("Asia/Shanghai"), thresholds={},
            tiers=(TIER,), aml_rules={}, version=1)
KEYS = PeriodKeys(day="2031-03-14", month="2031-03", year="2031")
OUT = OutgoingLimits(currency="EUR", keys=KEYS, limits=LIMITS, tier=TIER, jurisdiction="QA")


def usage(day="2031-03-14", day_out=0, month="2031-03", month_out=0, year="2031", year_out=0, lifetime=0) -> Usage:
    return Usage(day, day_out, month, month_out, year, year_out, lifetime)


def test_period_keys_follow_the_packs_timezone():
    # 16:30 UTC on 31 December is already 1 January in Shanghai (UTC+8).
    assert period_keys(PACK, datetime(2030, 12, 31, 16, 30, tzinfo=timezone.utc)) == PeriodKeys("2031-01-01", "2031-01", "2031")
    assert period_keys(PACK, datetime(2030, 12, 31, 15, 59, tzinfo=timezone.utc)) == PeriodKeys("2030-12-31", "2030-12", "2030")


def test_a_missing_usage_row_is_all_zero_and_a_row_is_read_as_numbers():
    assert Usage.from_row(None) == Usage()
    row = {"day_key": "2031-03-14", "day_out_minor": "5", "month_key": "2031-03", "month_out_minor": 6,
           "year_key": "2031", "year_out_minor": 7, "lifetime_out_minor": 8}
    assert Usage.from_row(row) == usage(day_out=5, month_out=6, year_out=7, lifetime=8)


def test_totals_of_an_earlier_period_count_as_zero_and_newer_keys_still_count():
    old = usage(day="2031-03-13", day_out=900, month="2031-02", month_out=900, year="2030", year_out=900, lifetime=900)
    assert [old.used(p, KEYS) for p in ("daily", "monthly", "annual", "lifetime")] == [0, 0, 0, 900]
    newer = usage(day="2031-03-15", day_out=11)
    assert newer.used("daily", KEYS) == 11  # keys never move backwards


def test_a_currency_the_tier_does_not_cover_needs_other_kyc():
    assert tier_limits(PACK, TIER, "EUR", field="fromWalletId") == LIMITS
    with pytest.raises(KycRequired) as caught:
        tier_limits(PACK, TIER, "USD", field="fromWalletId")
    assert caught.value.field == ["fromWalletId"]
    assert "Standard (QA) does not allow USD" in caught.value.message


def test_the_single_transaction_maximum_is_inclusive():
    check_single(OUT, 10_000)
    with pytest.raises(LimitExceeded) as caught:
        check_single(OUT, 10_001)
    assert caught.value.message == "single-transaction limit: at most 100.00 EUR at once"
    check_single(OutgoingLimits("EUR", KEYS, TierLimits(), TIER, "QA"), 10**12)  # no cap: anything goes


def test_totals_name_the_first_period_passed_and_what_remains():
    check_totals(OUT, usage(day_out=5_000, month_out=5_000), 10_000)  # exactly at the daily cap
    with pytest.raises(LimitExceeded) as caught:
        check_totals(OUT, usage(day_out=5_000, month_out=5_000), 10_001)
    assert caught.value.message == "daily limit of 150.00 EUR exceeded: 100.00 EUR remains"
    with pytest.raises(LimitExceeded) as caught:
        check_totals(OUT, usage(day_out=0, month_out=20_000), 6_000)
    assert caught.value.message.startswith("monthly limit of 250.00 EUR exceeded: 50.00 EUR remains")
    with pytest.raises(LimitExceeded) as caught:
        check_totals(OUT, usage(lifetime=99_999), 2)
    assert caught.value.message.startswith("lifetime limit")


def test_remaining_is_never_negative_and_none_means_unlimited():
    assert remaining(OUT, usage(day_out=20_000, month_out=1_000, lifetime=40_000)) == {
        "daily": 0, "monthly": 24_000, "annual": None, "lifetime": 60_000,
    }
    assert remaining(OUT, Usage()) == {"daily": 15_000, "monthly": 25_000, "annual": None, "lifetime": 100_000}


def test_the_maximum_balance_is_inclusive_and_optional():
    check_max_balance(50_000, "EUR", 50_000, field="toWalletId")
    check_max_balance(None, "EUR", 10**15, field="toWalletId")
    with pytest.raises(LimitExceeded) as caught:
        check_max_balance(50_000, "EUR", 50_001, field="toWalletId")
    assert (caught.value.field, caught.value.message) == (
        ["toWalletId"], "maximum balance of 500.00 EUR for this tier would be exceeded")
