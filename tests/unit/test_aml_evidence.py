"""An alert's stored details as typed evidence (services/aml/evidence.py): every key a rule writes is named.

The rules' evidence comes from the real rule code (services.aml.rules, .velocity); the watchlist hit's
keys are checked on a real alert in tests/integration/test_customer_screening.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.aml.evidence import EVIDENCE_KEYS, MONEY, SCORE, TEXT, TIME, WHOLE, Evidence, evidence, needs_currency
from services.aml.rules import evaluate
from services.aml.velocity import velocity_hit, velocity_rule
from services.screening.matcher import score_from_bps
from tests.unit.test_aml_rules import AT, THRESHOLD, THRESHOLDS, activity, only, posting

# One posting and activity per rule that makes it fire (the boundaries are tested in test_aml_rules.py).
FIRING = {
    "LARGE_TRANSACTION": (posting(THRESHOLD), activity()),
    "STRUCTURING": (posting(950_000), activity(near_threshold_count=2)),
    "RAPID_PASS_THROUGH": (posting(450_000), activity(recent_in_minor=500_000)),
    "NEW_ACCOUNT_HIGH_VALUE": (posting(500_000), activity(opened_at=AT - timedelta(days=1))),
    "DORMANT_REACTIVATION": (posting(100), activity(last_activity_at=AT - timedelta(days=200))),
    "VELOCITY": (posting(100), activity(recent_out_count=3)),
}
EXPECTED = {
    "LARGE_TRANSACTION": ["AMOUNT", "THRESHOLD"],
    "STRUCTURING": ["THRESHOLD", "BAND_FROM", "COUNT", "WINDOW_HOURS"],
    "RAPID_PASS_THROUGH": ["AMOUNT_IN", "AMOUNT_OUT", "WINDOW_MINUTES"],
    "NEW_ACCOUNT_HIGH_VALUE": ["AMOUNT", "ACCOUNT_AGE_DAYS", "OPENED_AT"],
    "DORMANT_REACTIVATION": ["DORMANT_DAYS", "LAST_ACTIVITY_AT"],
    "VELOCITY": ["COUNT", "MAX_COUNT", "WINDOW_MINUTES"],
}


def _details(rule: str) -> dict:
    p, a = FIRING[rule]
    hits = evaluate(only(rule), THRESHOLDS, p, a)
    assert [hit.rule for hit in hits] == [rule]
    return hits[0].details


@pytest.mark.parametrize("rule", sorted(FIRING))
def test_every_key_a_rule_writes_becomes_typed_evidence(rule):
    details = _details(rule)
    known = {k.key for k in EVIDENCE_KEYS}
    assert set(details) <= known, f"{rule} writes keys the evidence does not name: {set(details) - known}"
    items = evidence(details, "EUR")
    assert [item.name for item in items] == EXPECTED[rule]
    assert len(items) == len(details)  # nothing left out


def test_the_velocity_counter_writes_the_same_keys_as_the_pure_rule():
    rule = velocity_rule(only("VELOCITY"))
    assert rule is not None
    hit = velocity_hit(rule, 4)
    assert hit is not None and hit.details == _details("VELOCITY")


def test_amounts_are_decimal_strings_in_the_currency_and_minor_units_without_one():
    details = {"amountMinor": 1_000_000, "thresholdMinor": 950_000}
    assert needs_currency(details)
    assert evidence(details, "EUR") == [
        Evidence("AMOUNT", MONEY, "10000.00", minor=1_000_000), Evidence("THRESHOLD", MONEY, "9500.00", minor=950_000),
    ]
    assert evidence({"amountMinor": 1250}, "JPY") == [Evidence("AMOUNT", MONEY, "1250", minor=1250)]
    assert evidence(details, None)[0] == Evidence("AMOUNT", MONEY, "1000000", minor=1_000_000)


def test_whole_numbers_times_scores_and_text_keep_their_kind():
    opened = datetime(2031, 3, 13, 12, 0, 0, 123456, tzinfo=timezone.utc)
    details = {
        "dormantDays": 180, "openedAt": opened.isoformat(), "score": 9123, "listId": "OFAC-SDN", "entryId": 42,
        "matchedName": "Ottokar Vrzalinsky", "screenedAt": "2031-03-14T20:00:00+08:00",
    }
    assert not needs_currency(details)
    assert evidence(details, None) == [
        Evidence("DORMANT_DAYS", WHOLE, "180", whole=180),
        Evidence("OPENED_AT", TIME, opened.isoformat(), at=opened),
        Evidence("LIST_ID", TEXT, "OFAC-SDN"),
        Evidence("ENTRY_ID", TEXT, "42"),
        Evidence("MATCHED_NAME", TEXT, "Ottokar Vrzalinsky"),
        Evidence("MATCH_SCORE", SCORE, "0.9123", score=0.9123),
        Evidence("SCREENED_AT", TIME, "2031-03-14T12:00:00+00:00", at=datetime(2031, 3, 14, 12, tzinfo=timezone.utc)),
    ]


@pytest.mark.parametrize("bps, score", [(0, 0.0), (8800, 0.88), (9123, 0.9123), (10_000, 1.0)])
def test_a_stored_score_in_basis_points_is_shown_from_0_to_1(bps, score):
    assert score_from_bps(bps) == score
    assert evidence({"score": bps}, None)[0].score == score


def test_unknown_keys_and_values_of_the_wrong_kind_are_left_out():
    details = {"idleDays": 400, "amountMinor": "12.50", "count": True, "openedAt": "yesterday", "score": 0.9,
               "listId": {"nested": 1}, "maxCount": 5}
    assert evidence(details, "EUR") == [Evidence("MAX_COUNT", WHOLE, "5", whole=5)]
    assert evidence({}, None) == []


def test_every_evidence_name_and_key_is_distinct():
    assert len({k.key for k in EVIDENCE_KEYS}) == len({k.name for k in EVIDENCE_KEYS}) == len(EVIDENCE_KEYS)
    assert {k.kind for k in EVIDENCE_KEYS} == {MONEY, WHOLE, TIME, SCORE, TEXT}
