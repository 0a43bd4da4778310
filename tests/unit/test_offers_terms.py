"""Offer terms and insight periods, pure: typed target rules are checked before anything is stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services.errors import InvalidAmount, ValidationFailed
from services.insights.spending import InsightLine, _previous_month, checked_period
from services.offers.engagement import _kind
from services.offers.records import OfferReport
from services.offers.terms import MinSpend, OfferTerms, check_consistent, checked_columns

T0 = datetime(2031, 1, 1, tzinfo=timezone.utc)


def test_created_terms_become_typed_columns():
    columns = checked_columns(OfferTerms(
        title=" Travel card ", product="CREDIT_CARD", starts_at=T0, countries=["cn", "HK", "CN"], kyc_tier_min=1,
        max_impressions=3, cap_period_days=7, no_card_linked=True,
        min_spend=MinSpend(amount="2000.00", currency="cny", mccs=["4722", "4511"], days=30)), creating=True)
    assert columns["title"] == "Travel card" and columns["description"] == ""
    assert columns["countries"] == "CN,HK" and columns["min_spend_mccs"] == "4511,4722"
    assert (columns["min_spend_minor"], columns["min_spend_currency"], columns["min_spend_days"]) == (200000, "CNY", 30)
    assert (columns["max_impressions"], columns["cap_period_days"], columns["no_card_linked"]) == (3, 7, True)


@pytest.mark.parametrize("terms", [
    OfferTerms(product="LOAN", starts_at=T0), OfferTerms(title="x", starts_at=T0), OfferTerms(title="x", product="LOAN"),
    OfferTerms(title="x", product="CAR", starts_at=T0), OfferTerms(title="x", product="LOAN", starts_at=T0, priority=-1),
    OfferTerms(title="x", product="LOAN", starts_at=T0, countries=["XX"]),
    OfferTerms(title="x", product="LOAN", starts_at=T0, countries=["CN"] * 21),
    OfferTerms(title="x", product="LOAN", starts_at=T0, kyc_tier_max=10),
    OfferTerms(title="x", product="LOAN", starts_at=T0, cap_period_days=3),
    OfferTerms(title="x", product="LOAN", starts_at=T0, max_impressions=True, cap_period_days=3),
    OfferTerms(title="x", product="LOAN", starts_at=T0, status="GONE"),
    OfferTerms(title="x", product="LOAN", starts_at=T0, clear=frozenset({"ALL"})),
    OfferTerms(title="x", product="LOAN", starts_at=T0,
               min_spend=MinSpend(amount="1.00", currency="CNY", mccs=["3001"], days=30)),  # private-use code
    OfferTerms(title="x", product="LOAN", starts_at=T0,
               min_spend=MinSpend(amount="1.00", currency="CNY", mccs=["5812"], days=367)),
])
def test_bad_terms_are_refused(terms):
    with pytest.raises(ValidationFailed):
        checked_columns(terms, creating=True)


def test_amounts_follow_the_currency_and_updates_clear_rules():
    with pytest.raises(InvalidAmount):
        checked_columns(OfferTerms(title="x", product="LOAN", starts_at=T0,
                                   min_spend=MinSpend(amount="1.5", currency="JPY", mccs=["5812"], days=3)),
                        creating=True)
    cleared = checked_columns(OfferTerms(clear=frozenset({"MIN_SPEND", "END"})), creating=False)
    assert cleared == {"min_spend_minor": None, "min_spend_currency": None, "min_spend_mccs": None,
                       "min_spend_days": None, "ends_at": None}
    with pytest.raises(ValidationFailed):
        check_consistent(SimpleNamespace(starts_at=T0, ends_at=T0, kyc_tier_min=None, kyc_tier_max=None))
    with pytest.raises(ValidationFailed):
        check_consistent(SimpleNamespace(starts_at=T0, ends_at=None, kyc_tier_min=3, kyc_tier_max=2))


def test_periods_and_months():
    start, end, previous = checked_period(datetime(2031, 3, 1), datetime(2031, 4, 1))  # naive: UTC
    assert start.tzinfo is timezone.utc and previous == start - timedelta(days=31)
    for bad in ((T0, T0), (T0 + timedelta(days=1), T0), (T0, T0 + timedelta(days=366 * 3 + 1))):
        with pytest.raises(ValidationFailed):
            checked_period(*bad)
    assert (_previous_month("2031-01"), _previous_month("2031-10")) == ("2030-12", "2031-09")
    line = InsightLine(key="4511", currency="CNY", total_minor=150, count=2, previous_minor=200, previous_count=1,
                       mcc="4511")
    assert line.change_minor == -50 and line.category_name


def test_event_kinds_and_rates():
    assert _kind("CLICK").value == "CLICK"
    with pytest.raises(ValidationFailed):
        _kind("LIKE")
    report = OfferReport(offer=None, impressions=0, clicks=0, conversions=0, customers_reached=0)  # type: ignore[arg-type]
    assert (report.click_rate, report.conversion_rate) == (None, None)
    report = OfferReport(offer=None, impressions=3, clicks=2, conversions=1, customers_reached=2)  # type: ignore[arg-type]
    assert (report.click_rate, report.conversion_rate) == (0.6667, 0.3333)
