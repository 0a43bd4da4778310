"""The six AML rules of services/aml/rules.py as pure decisions (no database).

Each rule has a case that fires and one that narrowly does not: one minor
unit, one count or one minute short. Parameters are set explicitly (and
checked by the real policy-document validator), with a large-transaction
threshold of 10,000.00 EUR, so every boundary below is arithmetic on
known numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from services.aml.rules import Activity, Posting, RuleHit, evaluate, holds
from services.compliance.policy_document import check_aml_rules

AT = datetime(2031, 3, 14, 12, 0, tzinfo=timezone.utc)
THRESHOLD = 1_000_000  # 10,000.00 EUR
THRESHOLDS = {"EUR": THRESHOLD}
OLD = AT - timedelta(days=100)  # an account old enough for NEW_ACCOUNT, active enough for DORMANT

PARAMETERS: dict[str, dict[str, Any]] = {
    "LARGE_TRANSACTION": {},
    "VELOCITY": {"maxCount": 3, "windowMinutes": 60},
    "STRUCTURING": {"minCount": 3, "windowHours": 24, "bandBps": 1_000},           # band 9,000.00 .. 9,999.99
    "RAPID_PASS_THROUGH": {"windowMinutes": 30, "minShareBps": 9_000, "amountBps": 2_000},  # from 2,000.00
    "NEW_ACCOUNT_HIGH_VALUE": {"accountAgeDays": 7, "amountBps": 5_000},           # from 5,000.00
    "DORMANT_REACTIVATION": {"dormantDays": 180},
}


def only(rule: str, *, action: str = "HOLD", severity: str = "HIGH", enabled: bool = True, **changes: int) -> dict[str, dict[str, Any]]:
    """A checked rule set with just `rule` in it."""
    return check_aml_rules({rule: {"severity": severity, "action": action, "enabled": enabled, **PARAMETERS[rule], **changes}})


def every_rule(action: str = "ALERT") -> dict[str, dict[str, Any]]:
    return check_aml_rules({r: {"severity": "MEDIUM", "action": action, **p} for r, p in PARAMETERS.items()})


def posting(amount_minor: int, *, outgoing: bool = True, currency: str = "EUR", kind: str = "TRANSFER") -> Posting:
    return Posting(kind=kind, currency=currency, amount_minor=amount_minor, outgoing=outgoing, at=AT)


def activity(**changes: Any) -> Activity:
    return Activity(**{"opened_at": OLD, "last_activity_at": AT - timedelta(days=1), **changes})


def fired(rules: dict[str, dict[str, Any]], p: Posting, a: Activity | None = None) -> list[str]:
    return [hit.rule for hit in evaluate(rules, THRESHOLDS, p, a or activity())]


# LARGE_TRANSACTION --------------------------------------------------------


def test_large_transaction_fires_at_the_threshold_with_its_evidence():
    hits = evaluate(only("LARGE_TRANSACTION", severity="MEDIUM"), THRESHOLDS, posting(THRESHOLD), activity())
    assert hits == [RuleHit("LARGE_TRANSACTION", "MEDIUM", "HOLD", {"amountMinor": THRESHOLD, "thresholdMinor": THRESHOLD})]


def test_large_transaction_does_not_fire_one_minor_unit_below_the_threshold():
    assert fired(only("LARGE_TRANSACTION"), posting(THRESHOLD - 1)) == []


def test_large_transaction_also_fires_on_money_coming_in():
    assert fired(only("LARGE_TRANSACTION"), posting(THRESHOLD, outgoing=False, kind="TOP_UP")) == ["LARGE_TRANSACTION"]


# VELOCITY ----------------------------------------------------------------


def test_velocity_fires_on_the_posting_after_max_count():
    hits = evaluate(only("VELOCITY"), THRESHOLDS, posting(100), activity(recent_out_count=3))
    assert [(h.rule, h.details) for h in hits] == [("VELOCITY", {"count": 4, "maxCount": 3, "windowMinutes": 60})]


def test_velocity_does_not_fire_one_count_short():
    assert fired(only("VELOCITY"), posting(100), activity(recent_out_count=2)) == []


def test_velocity_counts_only_money_going_out():
    assert fired(only("VELOCITY"), posting(100, outgoing=False, kind="TOP_UP"), activity(recent_out_count=50)) == []


# STRUCTURING -------------------------------------------------------------


def test_structuring_fires_on_the_third_amount_just_under_the_threshold():
    hits = evaluate(only("STRUCTURING"), THRESHOLDS, posting(900_000), activity(near_threshold_count=2))
    assert [(h.rule, h.details) for h in hits] == [
        ("STRUCTURING", {"count": 3, "bandFromMinor": 900_000, "thresholdMinor": THRESHOLD, "windowHours": 24})
    ]
    assert fired(only("STRUCTURING"), posting(THRESHOLD - 1), activity(near_threshold_count=2)) == ["STRUCTURING"]


def test_structuring_does_not_fire_one_count_short():
    assert fired(only("STRUCTURING"), posting(950_000), activity(near_threshold_count=1)) == []


def test_structuring_does_not_fire_one_minor_unit_below_the_band():
    assert fired(only("STRUCTURING"), posting(899_999), activity(near_threshold_count=10)) == []


def test_structuring_does_not_fire_at_the_threshold_itself():
    # At the threshold it is a large transaction, not an attempt to stay under it.
    assert fired(only("STRUCTURING"), posting(THRESHOLD), activity(near_threshold_count=10)) == []


def test_structuring_counts_only_money_going_out():
    assert fired(only("STRUCTURING"), posting(950_000, outgoing=False), activity(near_threshold_count=10)) == []


# RAPID_PASS_THROUGH ------------------------------------------------------


def test_rapid_pass_through_fires_when_at_least_the_share_of_what_came_in_leaves():
    hits = evaluate(only("RAPID_PASS_THROUGH"), THRESHOLDS, posting(450_000), activity(recent_in_minor=500_000))
    assert [(h.rule, h.details) for h in hits] == [
        ("RAPID_PASS_THROUGH", {"inMinor": 500_000, "outMinor": 450_000, "windowMinutes": 30})
    ]


def test_rapid_pass_through_does_not_fire_one_minor_unit_under_the_share_going_out():
    assert fired(only("RAPID_PASS_THROUGH"), posting(449_999), activity(recent_in_minor=500_000)) == []


def test_rapid_pass_through_does_not_fire_when_what_came_in_is_one_minor_unit_under_the_share_of_what_leaves():
    # 500,000 leaves; 90% of it is 450,000: only 449,999 came in.
    assert fired(only("RAPID_PASS_THROUGH"), posting(500_000), activity(recent_in_minor=449_999)) == []
    assert fired(only("RAPID_PASS_THROUGH"), posting(500_000), activity(recent_in_minor=450_000)) == ["RAPID_PASS_THROUGH"]


def test_rapid_pass_through_ignores_amounts_one_minor_unit_under_its_floor():
    # amountBps 2,000 of 10,000.00: the rule starts at 2,000.00.
    assert fired(only("RAPID_PASS_THROUGH"), posting(199_999), activity(recent_in_minor=199_999)) == []
    assert fired(only("RAPID_PASS_THROUGH"), posting(200_000), activity(recent_in_minor=200_000)) == ["RAPID_PASS_THROUGH"]


def test_rapid_pass_through_needs_money_that_came_in_and_money_going_out():
    assert fired(only("RAPID_PASS_THROUGH"), posting(450_000), activity(recent_in_minor=0)) == []
    assert fired(only("RAPID_PASS_THROUGH"), posting(450_000, outgoing=False), activity(recent_in_minor=500_000)) == []


# NEW_ACCOUNT_HIGH_VALUE --------------------------------------------------


def test_new_account_high_value_fires_for_a_young_account_from_the_amount_floor():
    opened = AT - timedelta(days=7) + timedelta(minutes=1)
    hits = evaluate(only("NEW_ACCOUNT_HIGH_VALUE"), THRESHOLDS, posting(500_000), activity(opened_at=opened, last_activity_at=None))
    assert [(h.rule, h.details) for h in hits] == [
        ("NEW_ACCOUNT_HIGH_VALUE", {"amountMinor": 500_000, "openedAt": opened.isoformat(), "accountAgeDays": 7})
    ]


def test_new_account_high_value_does_not_fire_one_minor_unit_under_the_floor():
    assert fired(only("NEW_ACCOUNT_HIGH_VALUE"), posting(499_999), activity(opened_at=AT - timedelta(hours=1))) == []


def test_new_account_high_value_does_not_fire_once_the_account_is_old_enough():
    # One minute older than the young account above: exactly 7 days is no longer new.
    assert fired(only("NEW_ACCOUNT_HIGH_VALUE"), posting(900_000), activity(opened_at=AT - timedelta(days=7))) == []


def test_new_account_high_value_counts_only_money_going_out():
    assert fired(only("NEW_ACCOUNT_HIGH_VALUE"), posting(900_000, outgoing=False), activity(opened_at=AT)) == []


# DORMANT_REACTIVATION ----------------------------------------------------


def test_dormant_reactivation_fires_after_dormant_days_without_activity():
    last = AT - timedelta(days=180)
    hits = evaluate(only("DORMANT_REACTIVATION", severity="LOW", action="ALERT"), THRESHOLDS, posting(1),
                    activity(opened_at=AT - timedelta(days=400), last_activity_at=last))
    assert hits == [RuleHit("DORMANT_REACTIVATION", "LOW", "ALERT", {"lastActivityAt": last.isoformat(), "dormantDays": 180})]


def test_dormant_reactivation_does_not_fire_one_minute_short():
    last = AT - timedelta(days=180) + timedelta(minutes=1)
    assert fired(only("DORMANT_REACTIVATION"), posting(1), activity(opened_at=AT - timedelta(days=400), last_activity_at=last)) == []


def test_dormant_reactivation_counts_from_the_opening_when_the_wallet_never_moved():
    never = activity(opened_at=AT - timedelta(days=180), last_activity_at=None)
    assert fired(only("DORMANT_REACTIVATION"), posting(1), never) == ["DORMANT_REACTIVATION"]
    recent = activity(opened_at=AT - timedelta(days=180) + timedelta(minutes=1), last_activity_at=None)
    assert fired(only("DORMANT_REACTIVATION"), posting(1), recent) == []


def test_dormant_reactivation_fires_on_money_coming_in_too():
    woken = activity(opened_at=AT - timedelta(days=400), last_activity_at=AT - timedelta(days=200))
    assert fired(only("DORMANT_REACTIVATION"), posting(1, outgoing=False, kind="TOP_UP"), woken) == ["DORMANT_REACTIVATION"]


# Across the rules --------------------------------------------------------

# For each rule: a posting and an activity on which it (and only it, when alone) fires.
FIRING = {
    "LARGE_TRANSACTION": (posting(THRESHOLD), activity()),
    "VELOCITY": (posting(100), activity(recent_out_count=3)),
    "STRUCTURING": (posting(950_000), activity(near_threshold_count=2)),
    "RAPID_PASS_THROUGH": (posting(450_000), activity(recent_in_minor=500_000)),
    "NEW_ACCOUNT_HIGH_VALUE": (posting(500_000), activity(opened_at=AT - timedelta(days=1), last_activity_at=None)),
    "DORMANT_REACTIVATION": (posting(100), activity(opened_at=AT - timedelta(days=400), last_activity_at=AT - timedelta(days=181))),
}


@pytest.mark.parametrize("rule", sorted(FIRING))
def test_a_disabled_rule_never_fires(rule):
    p, a = FIRING[rule]
    assert fired(only(rule), p, a) == [rule]
    assert evaluate(only(rule, enabled=False), THRESHOLDS, p, a) == []


@pytest.mark.parametrize("rule", sorted(FIRING))
def test_a_currency_without_threshold_skips_the_threshold_rules(rule):
    p, a = FIRING[rule]
    no_threshold = Posting(kind=p.kind, currency="JPY", amount_minor=p.amount_minor, outgoing=p.outgoing, at=p.at)
    hits = [h.rule for h in evaluate(only(rule), THRESHOLDS, no_threshold, a)]
    # Amounts of LARGE_TRANSACTION, STRUCTURING, RAPID_PASS_THROUGH and NEW_ACCOUNT_HIGH_VALUE are
    # shares of the threshold: without one they cannot apply. VELOCITY and DORMANT need no amount.
    assert hits == ([rule] if rule in ("VELOCITY", "DORMANT_REACTIVATION") else [])


def test_every_firing_rule_is_reported_in_a_stable_order_with_its_own_severity_and_action():
    rules = check_aml_rules({
        "VELOCITY": {"severity": "LOW", "action": "ALERT", **PARAMETERS["VELOCITY"]},
        "LARGE_TRANSACTION": {"severity": "HIGH", "action": "HOLD"},
        "NEW_ACCOUNT_HIGH_VALUE": {"severity": "MEDIUM", "action": "HOLD", **PARAMETERS["NEW_ACCOUNT_HIGH_VALUE"]},
    })
    young_and_busy = activity(opened_at=AT - timedelta(days=1), last_activity_at=AT, recent_out_count=5)
    hits = evaluate(rules, THRESHOLDS, posting(THRESHOLD), young_and_busy)
    assert [(h.rule, h.severity, h.action) for h in hits] == [
        ("LARGE_TRANSACTION", "HIGH", "HOLD"), ("NEW_ACCOUNT_HIGH_VALUE", "MEDIUM", "HOLD"), ("VELOCITY", "LOW", "ALERT"),
    ]


def test_an_ordinary_posting_fires_nothing_even_with_every_rule_enabled():
    assert evaluate(every_rule("HOLD"), THRESHOLDS, posting(10_000), activity()) == []


def test_holds_is_true_only_when_a_firing_rule_says_hold():
    alert = RuleHit("VELOCITY", "MEDIUM", "ALERT")
    hold = RuleHit("STRUCTURING", "HIGH", "HOLD")
    assert holds([]) is False
    assert holds([alert]) is False
    assert holds([alert, alert]) is False
    assert holds([hold]) is True
    assert holds([alert, hold]) is True


@pytest.mark.parametrize("action, held", [("ALERT", False), ("HOLD", True)])
def test_the_configured_action_decides_whether_the_posting_is_held(action, held):
    p, a = FIRING["LARGE_TRANSACTION"]
    hits = evaluate(only("LARGE_TRANSACTION", action=action), THRESHOLDS, p, a)
    assert [h.action for h in hits] == [action]
    assert holds(hits) is held
