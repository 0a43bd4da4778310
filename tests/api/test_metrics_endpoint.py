"""Issue 17 part 5: /metrics carries latency per GraphQL operation (bounded labels), postings by kind and
outcome, webhook delivery lag, outbox depth and pool usage; the Grafana dashboard only uses metrics it exports."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from api.metrics import operation_label, root_fields_of
from services.metrics import observe_webhook_delivered

DASHBOARD = Path(__file__).resolve().parents[2] / "data" / "grafana" / "qianbao-dashboard.json"


async def _samples(http) -> dict[str, list]:  # noqa: ANN001
    response = await http.get("/metrics")
    assert response.status_code == 200
    families: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            families.setdefault(sample.name, []).append(sample)
    return families


def _value(samples: dict[str, list], name: str, **labels: str) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


async def test_latency_is_labelled_by_root_field_never_by_the_client_operation_name(http, clients):
    partner = await clients.partner()
    await partner.raw("query MyFreeFormName { viewer { partner { name } } }")
    await partner.raw("query Evil_123 { noSuchFieldAnywhere }")
    samples = await _samples(http)
    counts = {s.labels["operation"] for s in samples["qianbao_graphql_operation_seconds_count"]}
    assert "viewer" in counts
    assert "other" in counts
    assert not {"MyFreeFormName", "Evil_123", "noSuchFieldAnywhere"} & counts


async def test_postings_are_counted_by_kind_and_outcome_with_the_refusal_code(http, clients):
    partner = await clients.partner()
    customer = await partner.create_customer()
    wallet = await partner.open_wallet(customer_id=customer["id"])
    before = await _samples(http)
    await partner.top_up(wallet["id"], "10.00")
    refused = await partner.withdraw(wallet["id"], "99.00")
    assert refused["userErrors"][0]["code"] == "INSUFFICIENT_FUNDS"
    after = await _samples(http)
    name = "qianbao_postings_total"
    assert _value(after, name, kind="TOP_UP", outcome="posted") == _value(before, name, kind="TOP_UP", outcome="posted") + 1
    assert _value(after, name, kind="WITHDRAWAL", outcome="refused", code="INSUFFICIENT_FUNDS") == (
        _value(before, name, kind="WITHDRAWAL", outcome="refused", code="INSUFFICIENT_FUNDS") + 1
    )


async def test_outbox_depth_is_a_gauge_read_at_scrape_time(http, clients):
    samples = await _samples(http)
    assert "qianbao_outbox_depth" in samples
    assert samples["qianbao_outbox_depth"][0].value >= 0
    in_use = samples.get("qianbao_db_pool_connections_in_use")
    from tortoise import connections

    from services.db.sql import is_postgres

    if is_postgres(connections.get("default")):
        assert in_use and in_use[0].value >= 0
        assert samples["qianbao_db_pool_max_connections"][0].value >= 1
    else:
        assert not in_use  # SQLite has no pool: the gauge is documented as absent


async def test_webhook_lag_is_measured_from_the_event_timestamp(http):
    now = datetime(2026, 12, 5, 1, 0, tzinfo=timezone.utc)
    body = json.dumps({"data": {"timestamp": "1999-01-01T00:00:00Z"}, "sequence": "1",
                       "timestamp": "2026-12-05T00:59:30Z", "type": "transaction.posted"}, sort_keys=True, separators=(",", ":"))
    before = await _samples(http)
    observe_webhook_delivered(body, now - timedelta(seconds=1), now)
    after = await _samples(http)
    name = "qianbao_webhook_delivery_lag_seconds"
    assert _value(after, name + "_count") == _value(before, name + "_count") + 1
    assert _value(after, name + "_sum") - _value(before, name + "_sum") == 30.0


def test_operation_labels_are_bounded_by_the_schema():
    from schema.build import schema as built

    known = root_fields_of(built)
    assert {"viewer", "walletTopUp"} <= known
    assert operation_label("{ viewer { partner { name } } }", None, known) == ("viewer", "query")
    assert operation_label("mutation X { walletTopUp(input: {}) { userErrors { code } } }", "X", known) == ("walletTopUp", "mutation")
    assert operation_label("{ a: viewer { __typename } b: viewer { __typename } }", None, known) == ("viewer", "query")
    assert operation_label("{ viewer { __typename } wallets(first: 1) { __typename } }", None, known)[0] == "multiple"
    assert operation_label("{ madeUp }", None, known)[0] == "other"
    assert operation_label("not graphql", None, known) == ("other", "other")


async def test_every_metric_the_dashboard_uses_is_exported(http, clients):
    partner = await clients.partner()
    await partner.raw("{ viewer { partner { name } } }")
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["schemaVersion"] >= 36 and dashboard["panels"]
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert exprs and all(panel.get("datasource") for panel in dashboard["panels"])
    used = {name for expr in exprs for name in re.findall(r"\b(qianbao_[a-z_]+)", expr)}
    response = await http.get("/metrics")
    exported = {m.group(1) for m in re.finditer(r"^# TYPE (\S+) ", response.text, re.M)}
    sample_names = {line.split("{")[0].split(" ")[0] for line in response.text.splitlines() if line and not line.startswith("#")}
    missing = {name for name in used if name not in exported and name not in sample_names}
    # Histograms are exported as _bucket/_sum/_count (and TYPE under the base name); gauges absent on SQLite are typed.
    assert not missing, f"the dashboard uses metrics /metrics does not export: {sorted(missing)}"
    assert any("histogram_quantile(0.99" in e and "qianbao_graphql_operation_seconds_bucket" in e for e in exprs)
    assert any("histogram_quantile(0.5" in e for e in exprs)


async def test_the_access_record_carries_request_id_and_the_authenticated_partner(http, clients, caplog):
    from api.logging_config import JsonFormatter

    partner = await clients.partner()
    with caplog.at_level("INFO", logger="qianbao.access"):
        response = await partner.raw("{ viewer { partner { id } } }")
        anonymous = await http.post("/graphql", json={"query": "{ viewer { partner { id } } }"})
    assert anonymous.status_code == 401
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "qianbao.access"]
    mine = next(line for line in lines if line["request_id"] == response.headers["x-request-id"])
    assert mine["partner_id"] and mine["method"] == "POST" and mine["path"] == "/graphql" and mine["status"] == 200
    assert isinstance(mine["ms"], float) and mine["codes"] == []
    refused = next(line for line in lines if line["request_id"] == anonymous.headers["x-request-id"])
    assert refused["partner_id"] is None and refused["status"] == 401 and refused["codes"] == ["UNAUTHENTICATED"]


async def test_collector_pauses_are_counted_by_generation_at_scrape_time(http):
    from api.collector import _timed

    before = await _samples(http)
    # As the worker's callback sees one collection of each generation (api.collector.tune_collector installs it).
    for generation in (0, 1, 2):
        _timed("start", {"generation": generation})
        _timed("stop", {"generation": generation})
    after = await _samples(http)
    for generation in ("0", "1", "2"):
        assert _value(after, "qianbao_gc_pause_seconds_count", generation=generation) >= (
            _value(before, "qianbao_gc_pause_seconds_count", generation=generation) + 1)


async def test_the_answering_worker_names_its_process(http):
    import os

    samples = await _samples(http)
    assert _value(samples, "qianbao_worker_pid") == os.getpid()
