"""Issue 17 part 5: a successful webhook delivery records its lag (event creation to delivery) in the histogram;
a failed attempt records none."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY

from schema.events.payload import wire_payload
from models import DomainEvent, WebhookDelivery
from services.webhooks.dispatcher import fan_out, run_once
from services.webhooks.endpoints import create_endpoint
from services.webhooks.sender import build_client
from tests.integration.service_support import new_partner
from tests.integration.webhook_support import emit


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")


def _lag(name: str) -> float:
    return REGISTRY.get_sample_value(f"qianbao_webhook_delivery_lag_seconds_{name}") or 0.0


async def test_a_delivery_records_its_lag_from_the_event_time(database_url):
    from services.clock import now as clock_now

    while await fan_out(now=clock_now(), wire=wire_payload):  # settle what earlier tests left
        pass
    await WebhookDelivery.filter(status="PENDING").update(status="FAILED")
    principal = await new_partner("wh-lag")
    await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])
    event = await emit(principal.partner_id)
    occurred = (await DomainEvent.get(id=event.id)).occurred_at
    later = occurred + timedelta(seconds=42)
    count, total = _lag("count"), _lag("sum")
    async with build_client(httpx.MockTransport(lambda request: httpx.Response(500))) as client:
        assert await run_once(client, wire=wire_payload, clock=lambda: later) == 1
    assert _lag("count") == count  # a failed attempt is no delivery
    retry_at = (await WebhookDelivery.get(event_id=event.id)).next_attempt_at
    async with build_client(httpx.MockTransport(lambda request: httpx.Response(204))) as client:
        assert await run_once(client, wire=wire_payload, clock=lambda: retry_at) == 1
    assert _lag("count") == count + 1
    assert abs((_lag("sum") - total) - (retry_at - occurred).total_seconds()) < 0.01


async def test_outbox_depth_counts_the_events_past_the_dispatcher_cursor(database_url):
    from api.metrics import SCRAPE_GAUGES, outbox_depth
    from services.clock import now as clock_now

    while await fan_out(now=clock_now(), wire=wire_payload):
        pass
    assert await outbox_depth() == 0  # the fan-out's cursor is past every event
    principal = await new_partner("wh-depth")
    for _ in range(3):
        await emit(principal.partner_id)
    assert await outbox_depth() == 3
    await SCRAPE_GAUGES.refresh()
    assert REGISTRY.get_sample_value("qianbao_outbox_depth") == 3
    await fan_out(now=clock_now(), wire=wire_payload)
    assert await outbox_depth() == 0
