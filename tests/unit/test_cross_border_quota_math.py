"""Cross-border quota arithmetic: conversion rounds up, the year follows the pack timezone."""

from datetime import datetime, timezone

import pytest

from services.cross_border.quota_math import quota_year, remaining_minor, to_quota_minor


def test_same_currency_is_unchanged():
    assert to_quota_minor(12_345, "USD", "USD", 1) == 12_345


def test_conversion_rounds_up():
    # 100.00 CNY at 0.138888888 USD per CNY = 13.8888888 USD -> 1389 cents (up, not 1388)
    assert to_quota_minor(10_000, "CNY", "USD", 138_888_888) == 1_389


def test_exact_conversion_does_not_round():
    assert to_quota_minor(10_000, "EUR", "USD", 1_100_000_000) == 11_000


def test_exponent_difference_is_applied():
    # 1000 JPY (exponent 0) at 0.0067 USD per JPY = 6.70 USD
    assert to_quota_minor(1_000, "JPY", "USD", 6_700_000) == 670
    # 1.00 USD at 150 JPY per USD = 150 yen
    assert to_quota_minor(100, "USD", "JPY", 150 * 10**9) == 150


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        to_quota_minor(-1, "CNY", "USD", 1)
    with pytest.raises(ValueError):
        to_quota_minor(1, "CNY", "USD", 0)
    with pytest.raises(ValueError):
        quota_year(datetime(2026, 1, 1), "Asia/Shanghai")


def test_year_follows_pack_timezone():
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)  # 01:00 on 1 Jan 2027 in Shanghai
    assert quota_year(moment, "Asia/Shanghai") == 2027
    assert quota_year(moment, "UTC") == 2026


def test_remaining_never_negative():
    assert remaining_minor(5_000_000, 4_999_000) == 1_000
    assert remaining_minor(5_000_000, 6_000_000) == 0
