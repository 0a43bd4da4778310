"""services.ledger.postgres_parts: the compliance parts of PostgreSQL's posting statement, as text and parameters.

What the SQL does is tested on PostgreSQL (tests/integration/test_ledger_postgres.py
and the AML posting tests); here: which parts a posting gets, and that every
value reaches the statement as a numbered parameter, never as text.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from services.aml.rules import RuleHit
from services.aml.velocity import VelocityRule
from services.compliance.limits import OutgoingLimits, PeriodKeys
from services.compliance.policy_document import Tier, TierLimits
from services.compliance.posting_checks import ComplianceCheck
from services.ledger.postgres_parts import (
    USAGE_COLUMNS, alert_and_event_ctes, decide_cte, no_usage_parts, saturating_add, usage_parts,
)

FIXED = 24  # the statement's own parameters come first ($1..$24)
SENDER, WALLET = uuid.UUID(int=5), uuid.UUID(int=6)
LIMITS = TierLimits(daily=1_000, monthly=None, annual=5_000, lifetime=None)
OUT = OutgoingLimits("EUR", PeriodKeys("2031-03-14", "2031-03", "2031"), LIMITS, Tier(1, "T", False, {"EUR": LIMITS}), "QA")
VELOCITY = VelocityRule(max_count=3, window=timedelta(minutes=60), severity="MEDIUM", action="HOLD")


def check(**changes: Any) -> ComplianceCheck:
    base: dict[str, Any] = dict(sender_customer_id=SENDER, outgoing=OUT, max_balance={}, expected_tier={},
                                subject_customer_id=SENDER, subject_wallet_id=WALLET)
    return ComplianceCheck(**{**base, **changes})


class Params:
    """The `param` callback of services.ledger.postgres: appends a value, returns its placeholder."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${FIXED + len(self.values)}"


def placeholders(sql: str) -> set[int]:
    return {int(n) for n in re.findall(r"\$(\d+)", sql)}


def test_saturating_add_caps_at_the_bigint_maximum():
    assert saturating_add("u.day_out_minor") == (
        "(CASE WHEN u.day_out_minor > $4::bigint - $5 THEN $4::bigint ELSE u.day_out_minor + $5 END)")


def test_usage_parts_pass_the_sender_period_keys_and_caps_as_parameters():
    params = Params()
    parts = usage_parts(check(), params)
    assert set(parts) == {"cte", "lock", "ok", "write", "cols", "day_key"}
    assert params.values == [SENDER, "2031-03-14", "2031-03", "2031", 1_000, None, 5_000, None]
    text = " ".join(parts.values())
    assert placeholders(text) - set(range(1, FIXED + 1)) == set(range(FIXED + 1, FIXED + 9))
    assert "2031" not in text and str(SENDER) not in text  # values never inlined
    assert "FOR UPDATE" in parts["cte"] and "velocity_count" not in parts["write"]
    assert parts["cols"] == ", " + ", ".join(f"(SELECT {c} FROM usage) AS {c}" for c in USAGE_COLUMNS)


def test_with_velocity_the_usage_parts_count_the_window_too():
    params = Params()
    parts = usage_parts(check(velocity=VELOCITY), params)
    assert params.values[-1] == 3600  # the window, in seconds
    assert "velocity_window_start" in parts["cte"] and "velocity_count = (SELECT count FROM vel)" in parts["write"]


def test_a_top_up_has_no_usage_to_count():
    parts = no_usage_parts()
    assert (parts["lock"], parts["ok"], parts["write"], parts["day_key"]) == ("", "", "", "NULL")
    assert "vel AS (SELECT 0 AS count)" in parts["cte"]


def test_decide_without_velocity_is_the_python_decision():
    params = Params()
    assert decide_cte(check(hold=True), params) == f" decide AS (SELECT ${FIXED + 1}::boolean AS hold, false AS vel_fires),"
    assert params.values == [True]


def test_decide_with_velocity_holds_when_a_hold_rule_fires():
    params = Params()
    sql = decide_cte(check(velocity=VELOCITY), params)
    assert "vel_fires" in sql and "(SELECT count FROM vel) >" in sql
    assert params.values == [3, False, True]  # max count, Python's hold, VELOCITY's action is HOLD


def test_alerts_and_events_are_sent_as_json_parameters():
    params = Params()
    alerts = [{"id": str(uuid.UUID(int=9)), "customer_id": str(SENDER), "wallet_id": str(WALLET), "rule": "LARGE_TRANSACTION",
               "severity": "HIGH", "action": "HOLD", "details": {"amountMinor": 1}}]
    events = [{"type": "aml.alert_raised", "object_type": "AmlAlert", "object_id": alerts[0]["id"], "payload": {}, "internal": True}]
    sql = alert_and_event_ctes(check(hits=[RuleHit("LARGE_TRANSACTION", "HIGH", "HOLD")]), alerts, events, params)
    assert sql.startswith(", alerted AS (INSERT INTO aml_alert") and ", announced AS (INSERT INTO domain_event" in sql
    assert [json.loads(v) for v in params.values] == [alerts, events]
    assert "LARGE_TRANSACTION" not in sql


def test_without_alerts_only_the_held_event_can_be_written():
    params = Params()
    sql = alert_and_event_ctes(check(), [], [], params)
    assert "alerted" not in sql and "'transaction.held'" in sql and params.values == []


def test_velocity_adds_its_own_alert_and_internal_event():
    params = Params()
    sql = alert_and_event_ctes(check(velocity=VELOCITY), [], [], params)
    assert "'VELOCITY'::text AS rule" in sql and "'aml.alert_raised'" in sql
    assert uuid.UUID(params.values[0]).version == 7  # the new alert's id
    assert params.values.count(str(SENDER)) == 1 and SENDER in params.values and WALLET in params.values
