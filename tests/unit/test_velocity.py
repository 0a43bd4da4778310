"""services.aml.velocity: the VELOCITY rule counted in tumbling windows (pure arithmetic)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.aml.rules import RuleHit
from services.aml.velocity import VelocityRule, next_window, velocity_hit, velocity_rule

AT = datetime(2031, 3, 14, 12, 0, tzinfo=timezone.utc)
RULE = VelocityRule(max_count=3, window=timedelta(minutes=60), severity="MEDIUM", action="ALERT")


def test_the_rule_comes_from_the_pack_when_enabled():
    rules = {"VELOCITY": {"maxCount": 3, "windowMinutes": 60, "severity": "MEDIUM", "action": "ALERT", "enabled": True}}
    assert velocity_rule(rules) == RULE
    assert velocity_rule(rules).window_minutes == 60  # type: ignore[union-attr]


def test_enabled_is_the_default():
    rules = {"VELOCITY": {"maxCount": 5, "windowMinutes": 90, "severity": "HIGH", "action": "HOLD"}}
    assert velocity_rule(rules) == VelocityRule(5, timedelta(minutes=90), "HIGH", "HOLD")


def test_a_disabled_or_missing_rule_is_none():
    assert velocity_rule({}) is None
    assert velocity_rule({"VELOCITY": {}}) is None
    assert velocity_rule({"VELOCITY": {"maxCount": 3, "windowMinutes": 60, "severity": "LOW", "action": "ALERT",
                                       "enabled": False}}) is None
    assert velocity_rule({"LARGE_TRANSACTION": {"severity": "LOW", "action": "ALERT"}}) is None


def test_the_first_posting_opens_a_window():
    assert next_window(RULE, None, 0, AT) == (AT, 1)


def test_postings_inside_the_window_count_up_from_its_start():
    assert next_window(RULE, AT, 1, AT + timedelta(minutes=59, seconds=59)) == (AT, 2)


def test_a_posting_at_or_after_the_windows_end_opens_a_new_window():
    later = AT + timedelta(minutes=60)
    assert next_window(RULE, AT, 7, later) == (later, 1)
    assert next_window(RULE, AT, 7, later + timedelta(days=1)) == (later + timedelta(days=1), 1)


def test_the_rule_fires_only_past_the_maximum():
    assert velocity_hit(RULE, 3) is None
    assert velocity_hit(RULE, 4) == RuleHit(
        rule="VELOCITY", severity="MEDIUM", action="ALERT", details={"count": 4, "maxCount": 3, "windowMinutes": 60}
    )


def test_window_minutes_rounds_down_partial_minutes():
    assert VelocityRule(1, timedelta(seconds=150), "LOW", "ALERT").window_minutes == 2
