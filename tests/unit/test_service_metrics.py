"""services.metrics: postings counted by kind and outcome, webhook lag from the event's own timestamp."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY

from models.enums import TransactionKind
from services.metrics import count_posting, observe_webhook_delivered


def _value(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_posting_is_counted_under_its_kind_outcome_and_code():
    labels = {"kind": "TRANSFER", "outcome": "refused", "code": "INSUFFICIENT_FUNDS"}
    before = _value("qianbao_postings_total", labels)
    count_posting(TransactionKind.TRANSFER, "REFUSED", "INSUFFICIENT_FUNDS")
    assert _value("qianbao_postings_total", labels) == before + 1


def test_webhook_lag_is_measured_from_the_events_timestamp_else_the_deliverys_creation():
    now = datetime(2031, 1, 1, 12, 0, 10, tzinfo=timezone.utc)
    count = _value("qianbao_webhook_delivery_lag_seconds_count", {})
    total = _value("qianbao_webhook_delivery_lag_seconds_sum", {})
    observe_webhook_delivered('{"data":{},"timestamp":"2031-01-01T12:00:00Z"}', None, now)  # 10 s
    observe_webhook_delivered("not json", now - timedelta(seconds=4), now)  # 4 s, from the fallback
    assert _value("qianbao_webhook_delivery_lag_seconds_count", {}) == count + 2
    assert round(_value("qianbao_webhook_delivery_lag_seconds_sum", {}) - total, 6) == 14.0
