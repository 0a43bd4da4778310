"""services.reporting.days, access and facts: ranges, spans, months, who may read, what the rollups hold."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from auth.principal import Principal
from auth.roles import permissions_of
from services.errors import Forbidden, ValidationFailed
from services.reporting.access import require_reporter
from services.reporting.days import MAX_RANGE_DAYS, checked_range, spans, start_of
from services.reporting.facts import ACTIVE, FACTS, VOLUME
from services.reporting.rollup import SETTLE_MARGIN, last_closed_day


def test_a_range_is_inclusive_and_refused_reversed_or_longer_than_a_year():
    assert checked_range(date(2026, 2, 27), date(2026, 3, 1)).days == [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)]
    with pytest.raises(ValidationFailed) as caught:
        checked_range(date(2026, 3, 2), date(2026, 3, 1))
    assert caught.value.field == ["to"]
    assert len(checked_range(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=MAX_RANGE_DAYS - 1)).days) == MAX_RANGE_DAYS
    with pytest.raises(ValidationFailed):
        checked_range(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=MAX_RANGE_DAYS))


def test_spans_join_consecutive_days_only():
    d = date(2026, 12, 1)
    assert spans([]) == []
    assert spans([d, d + timedelta(1), d + timedelta(2), d + timedelta(5)]) == [(d, d + timedelta(2)), (d + timedelta(5),) * 2]


def test_day_bounds():
    assert start_of(date(2026, 12, 5)) == datetime(2026, 12, 5, tzinfo=timezone.utc)


def test_a_day_closes_some_minutes_after_midnight():
    midnight = datetime(2026, 12, 5, tzinfo=timezone.utc)
    assert last_closed_day(midnight + SETTLE_MARGIN - timedelta(seconds=1)) == date(2026, 12, 3)
    assert last_closed_day(midnight + SETTLE_MARGIN) == date(2026, 12, 4)


def test_only_staff_holding_reports_read_read_reports():
    for role, allowed in (("admin", True), ("compliance", True), ("analyst", True), ("support", False), ("treasury", False)):
        principal = Principal(kind="staff", subject="s", partner_id=None, scopes=permissions_of(role), role=role, environment=None)
        if allowed:
            require_reporter(principal)
        else:
            with pytest.raises(Forbidden):
                require_reporter(principal)
    partner = Principal(kind="partner", subject="p", partner_id=uuid.uuid4(), scopes=frozenset({"reports:read"}))
    with pytest.raises(Forbidden):
        require_reporter(partner)  # a partner token never reads the bank's reports, whatever it claims


def test_the_rollups_keep_their_period_first():
    assert VOLUME.columns[0] == "day" and ACTIVE.columns == ("day", "partner_id", "wallet_id", "customer_id")
    assert VOLUME in FACTS and ACTIVE in FACTS
