"""The application's Prometheus metrics, in one place (issue 17 part 5).

Label values are always bounded: an operation label is a root field of the
schema (or "multiple" / "other"), never the client's free-form operationName;
a posting's kind and refusal code come from enums. Outbox depth and pool
usage are read at scrape time by a collector (a cheap, indexed, capped query).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from prometheus_client import REGISTRY, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# The posting and webhook metrics are counted in services/ (services.metrics); re-exported for the route's readers.
from api.collector import drain_pauses
from services.metrics import POSTINGS, WEBHOOK_LAG, count_posting, observe_webhook_delivered, observe_webhook_lag  # noqa: F401

OPERATION_LATENCY = Histogram(
    "qianbao_graphql_operation_seconds", "GraphQL request latency per operation (its root field)",
    ["operation", "type"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GC_PAUSES = Histogram(
    "qianbao_gc_pause_seconds", "This worker's garbage-collector pauses by generation (every request it serves waits)",
    ["generation"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
)
WORKER_PID = "qianbao_worker_pid"
OUTBOX_DEPTH = "qianbao_outbox_depth"
POOL_IN_USE = "qianbao_db_pool_connections_in_use"
POOL_SIZE = "qianbao_db_pool_connections"
POOL_MAX = "qianbao_db_pool_max_connections"
# Counting past this many undispatched events says "the dispatcher is stuck" well enough; the count stays cheap.
OUTBOX_COUNT_CAP = 100_000
OTHER, MULTIPLE = "other", "multiple"


def root_fields_of(schema: Any) -> frozenset[str]:
    """Every root field name of a strawberry (or graphql-core) schema: Query, Mutation and Subscription."""
    core = getattr(schema, "_schema", schema)
    roots = (core.query_type, core.mutation_type, core.subscription_type)
    return frozenset(name for root in roots if root is not None for name in root.fields)


# Documents longer than this are labelled "other" unparsed: the cache then holds at most ~8 MiB of query text.
MAX_LABELLED_QUERY_CHARS = 8192


@lru_cache(maxsize=1024)
def operation_label(query: str, operation_name: str | None, known: frozenset[str]) -> tuple[str, str]:
    """(operation, type) for a request: its one root field if the schema has it, "multiple" for several, else "other".

    Cached by the query text, so a repeated document (the usual case) costs one dictionary lookup.
    """
    try:
        document = parse(query, max_tokens=5000)
    except GraphQLError:
        return OTHER, OTHER
    chosen = [
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    if len(chosen) != 1:
        return OTHER, OTHER
    op = chosen[0]
    names = {s.name.value for s in op.selection_set.selections if isinstance(s, FieldNode)} - {"__typename"}
    kind = op.operation.value
    if len(names) > 1:
        return (MULTIPLE if names <= known else OTHER), kind
    name = next(iter(names), OTHER)
    return (name if name in known else OTHER), kind


def observe_operation(query: object, operation_name: object, known: frozenset[str], seconds: float) -> None:
    """Record one GraphQL request's latency under its bounded operation label."""
    if isinstance(query, str) and len(query) <= MAX_LABELLED_QUERY_CHARS:
        label, kind = operation_label(query, operation_name if isinstance(operation_name, str) else None, known)
    else:
        label, kind = OTHER, OTHER
    OPERATION_LATENCY.labels(label, kind).observe(seconds)


async def outbox_depth() -> int:
    """Events past the webhook dispatcher's cursor (capped at OUTBOX_COUNT_CAP), by the (tx, id) index."""
    from tortoise import connections

    from models import OutboxCursor
    from services.db.sql import fetch
    from services.event_feed import WEBHOOK_CURSOR

    cursor = await OutboxCursor.get_or_none(name=WEBHOOK_CURSOR)
    tx, event_id = (cursor.tx, cursor.event_id) if cursor is not None else (0, 0)
    # Two range scans of the (tx, id) index (a row-value comparison is not one on SQLite), each capped.
    rows = await fetch(
        connections.get("default"),
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM domain_event WHERE tx = $1 AND id > $2 LIMIT $3) AS same_tx)"
        " + (SELECT COUNT(*) FROM (SELECT 1 FROM domain_event WHERE tx > $1 LIMIT $3) AS later_tx) AS n",
        [tx, event_id, OUTBOX_COUNT_CAP],
    )
    return min(int(rows[0]["n"]), OUTBOX_COUNT_CAP)


def pool_usage() -> tuple[int, int, int] | None:
    """(in use, open, max) connections of the default asyncpg pool; None where there is no pool (SQLite)."""
    from tortoise import connections

    try:
        pool = getattr(connections.get("default"), "_pool", None)
    except Exception:  # noqa: BLE001 - no ORM context: nothing to report
        return None
    if pool is None or not hasattr(pool, "get_size"):
        return None
    size, idle = pool.get_size(), pool.get_idle_size()
    return size - idle, size, pool.get_max_size()


class ScrapeTimeGauges(Collector):
    """Outbox depth and pool usage, as last read by `refresh()` (the /metrics route calls it before rendering)."""

    def __init__(self) -> None:
        self.depth: int | None = None
        self.pool: tuple[int, int, int] | None = None

    async def refresh(self) -> None:
        """Read outbox depth and pool usage now (a failure leaves the gauge out rather than failing the scrape), and
        count the collector pauses timed since the last scrape."""
        for generation, seconds in drain_pauses():
            GC_PAUSES.labels(str(generation)).observe(seconds)
        self.pool = pool_usage()
        try:
            self.depth = await outbox_depth()
        except Exception:  # noqa: BLE001 - no database: no gauge
            self.depth = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """The gauges, for prometheus_client."""
        # Each serve worker keeps its own figures: which one answered tells several scrapes apart.
        yield GaugeMetricFamily(WORKER_PID, "Process id of the serve worker whose figures these are", value=os.getpid())
        depth = GaugeMetricFamily(OUTBOX_DEPTH, "Domain events not yet passed by the webhook dispatcher's cursor")
        if self.depth is not None:
            depth.add_metric([], self.depth)
        yield depth
        in_use = GaugeMetricFamily(POOL_IN_USE, "Database pool connections checked out (PostgreSQL; absent on SQLite)")
        size = GaugeMetricFamily(POOL_SIZE, "Database pool connections open (PostgreSQL; absent on SQLite)")
        most = GaugeMetricFamily(POOL_MAX, "Database pool maximum size (PostgreSQL; absent on SQLite)")
        if self.pool is not None:
            in_use.add_metric([], self.pool[0])
            size.add_metric([], self.pool[1])
            most.add_metric([], self.pool[2])
        yield in_use
        yield size
        yield most


SCRAPE_GAUGES = ScrapeTimeGauges()
REGISTRY.register(SCRAPE_GAUGES)
