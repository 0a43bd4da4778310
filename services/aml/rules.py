"""The AML rules, as pure decisions on one posting and the recent activity of the wallet it touches.

Each rule's parameters, severity and action (ALERT or HOLD) come from the
customer's policy pack; amounts are basis points of the pack's
large-transaction threshold in the posting's currency, so a rule whose
currency has no threshold does not apply. `evaluate` returns every rule that
fires; the posting holds the transaction when any of them says HOLD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Activity:
    """What the subject wallet did recently (read just before the posting)."""

    opened_at: datetime
    last_activity_at: datetime | None = None
    recent_out_count: int = 0        # outgoing postings inside the VELOCITY window (the posting path counts them on the usage row instead)
    near_threshold_count: int = 0    # outgoing amounts just under the threshold inside the STRUCTURING window
    recent_in_minor: int = 0         # transfers received inside the RAPID_PASS_THROUGH window


@dataclass(frozen=True)
class Posting:
    """The posting being decided."""

    kind: str
    currency: str
    amount_minor: int
    outgoing: bool  # money leaves the subject wallet (transfer or withdrawal)
    at: datetime


@dataclass(frozen=True)
class RuleHit:
    rule: str
    severity: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)


def _share(amount: int, bps: int) -> int:
    return amount * bps // 10_000


def velocity_evidence(count: int, max_count: int, window_minutes: int) -> dict[str, Any] | None:
    """VELOCITY's evidence when `count` outgoing postings in the window (this one included) pass the maximum."""
    if count <= max_count:
        return None
    return {"count": count, "maxCount": max_count, "windowMinutes": window_minutes}


def structuring_floor(threshold: int, band_bps: int) -> int:
    """The lowest amount of the STRUCTURING band [floor, threshold): `band_bps` below the threshold."""
    return threshold - _share(threshold, band_bps)


def _fires(rule: str, p: dict[str, Any], posting: Posting, activity: Activity, threshold: int | None) -> dict[str, Any] | None:
    """The evidence if `rule` fires, else None."""
    amount = posting.amount_minor
    if rule == "LARGE_TRANSACTION":
        if threshold is not None and amount >= threshold:
            return {"amountMinor": amount, "thresholdMinor": threshold}
    elif rule == "VELOCITY":
        if posting.outgoing:
            return velocity_evidence(activity.recent_out_count + 1, p["maxCount"], p["windowMinutes"])
    elif rule == "STRUCTURING":
        if posting.outgoing and threshold is not None:
            floor = structuring_floor(threshold, p["bandBps"])
            count = activity.near_threshold_count + 1
            if floor <= amount < threshold and count >= p["minCount"]:
                return {"count": count, "bandFromMinor": floor, "thresholdMinor": threshold, "windowHours": p["windowHours"]}
    elif rule == "RAPID_PASS_THROUGH":
        came_in = activity.recent_in_minor
        if posting.outgoing and threshold is not None and came_in > 0 and amount >= _share(threshold, p["amountBps"]):
            # Most of what just came in leaves again, and most of what leaves just came in.
            if amount >= _share(came_in, p["minShareBps"]) and came_in >= _share(amount, p["minShareBps"]):
                return {"inMinor": came_in, "outMinor": amount, "windowMinutes": p["windowMinutes"]}
    elif rule == "NEW_ACCOUNT_HIGH_VALUE":
        young = posting.at - activity.opened_at < timedelta(days=p["accountAgeDays"])
        if posting.outgoing and threshold is not None and young and amount >= _share(threshold, p["amountBps"]):
            return {"amountMinor": amount, "openedAt": activity.opened_at.isoformat(), "accountAgeDays": p["accountAgeDays"]}
    elif rule == "DORMANT_REACTIVATION":
        last = activity.last_activity_at or activity.opened_at
        if posting.at - last >= timedelta(days=p["dormantDays"]):
            return {"lastActivityAt": last.isoformat(), "dormantDays": p["dormantDays"]}
    return None


def evaluate(aml_rules: dict[str, dict[str, Any]], thresholds: dict[str, int], posting: Posting, activity: Activity) -> list[RuleHit]:
    """Every enabled rule that fires for this posting, in a stable order."""
    threshold = thresholds.get(posting.currency)
    hits = []
    for rule in sorted(aml_rules):
        setting = aml_rules[rule]
        if not setting.get("enabled", True):
            continue
        evidence = _fires(rule, setting, posting, activity, threshold)
        if evidence is not None:
            hits.append(RuleHit(rule=rule, severity=setting["severity"], action=setting["action"], details=evidence))
    return hits


def holds(hits: list[RuleHit]) -> bool:
    """Whether the posting must wait for compliance (any firing rule says HOLD)."""
    return any(hit.action == "HOLD" for hit in hits)
