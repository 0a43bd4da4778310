"""The VELOCITY rule, counted on the sender's locked limit-usage row.

Each customer's outgoing postings in a currency are counted in a tumbling
window of the rule's length: the window opens at the first posting after the
previous one ended, and the count restarts there. Because the row is locked
by the posting (services.ledger), concurrent postings and the customer's
several wallets all count, and the decision (alert, or hold) is taken in the
posting's own statement. A burst across a window boundary can reach up to
twice the maximum before the rule fires: the price of an O(1) counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.aml.rules import RuleHit, velocity_evidence


@dataclass(frozen=True)
class VelocityRule:
    max_count: int
    window: timedelta
    severity: str
    action: str

    @property
    def window_minutes(self) -> int:
        return int(self.window.total_seconds() // 60)


def velocity_rule(aml_rules: dict[str, dict[str, Any]]) -> VelocityRule | None:
    """The pack's VELOCITY rule when enabled."""
    setting = aml_rules.get("VELOCITY")
    if not setting or not setting.get("enabled", True):
        return None
    return VelocityRule(
        max_count=setting["maxCount"], window=timedelta(minutes=setting["windowMinutes"]),
        severity=setting["severity"], action=setting["action"],
    )


def next_window(rule: VelocityRule, start: datetime | None, count: int, at: datetime) -> tuple[datetime, int]:
    """(window start, count) after one more outgoing posting at `at`."""
    if start is not None and at - start < rule.window:
        return start, count + 1
    return at, 1


def velocity_hit(rule: VelocityRule, count: int) -> RuleHit | None:
    """The alert when the count (this posting included) passes the maximum."""
    evidence = velocity_evidence(count, rule.max_count, rule.window_minutes)
    if evidence is None:
        return None
    return RuleHit(rule="VELOCITY", severity=rule.severity, action=rule.action, details=evidence)
