"""The metrics services count as money moves and webhooks are delivered (issue 17 part 5).

The objects live in prometheus_client's default registry; `/metrics` (api.health, api.metrics) renders them.
Label values are bounded: a posting's kind and refusal code come from enums.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Histogram

POSTINGS = Counter(
    "qianbao_postings_total", "Money movements by kind and outcome (posted, held, refused with its code, replayed)",
    ["kind", "outcome", "code"],
)
GROUP_COMMITS = Counter(
    "qianbao_group_commits_total", "Groups of postings committed together (written), or rolled back and run one by one"
    " (one_by_one, with the reason: the error's class)", ["outcome", "reason"],
)
WEBHOOK_LAG = Histogram(
    "qianbao_webhook_delivery_lag_seconds", "Seconds from an event's creation to its successful webhook delivery",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400),
)


def count_posting(kind: object, outcome: str, code: str = "") -> None:
    """Count one finished posting: its kind, its outcome and, for a refusal, the error code."""
    value = getattr(kind, "value", kind)
    POSTINGS.labels(str(value), outcome.lower(), code).inc()


def count_group(outcome: str, reason: str = "") -> None:
    """Count one group commit (services.ledger.group_commit): 'written', or 'one_by_one' and why."""
    GROUP_COMMITS.labels(outcome, reason).inc()


def group_count(outcome: str, reason: str = "") -> float:
    """How many group commits this process counted with that outcome and reason (tests and benches read it)."""
    return GROUP_COMMITS.labels(outcome, reason)._value.get()


def observe_webhook_lag(seconds: float) -> None:
    """Record the lag of one successful webhook delivery."""
    WEBHOOK_LAG.observe(max(0.0, seconds))


def observe_webhook_delivered(body: str, fallback_created_at: datetime | None, now: datetime) -> None:
    """Record a successful delivery's lag: from its event's `timestamp` (the body's), else from the delivery's creation."""
    created = fallback_created_at
    start = body.rfind('"timestamp":"')  # sorted keys: the top-level one comes after "data", so the last
    if start >= 0:
        end = body.find('"', start + 13)
        try:
            created = datetime.fromisoformat(body[start + 13:end].replace("Z", "+00:00"))
        except ValueError:
            pass
    if created is not None:
        observe_webhook_lag((now - created).total_seconds())
