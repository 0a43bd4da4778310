"""services.webhooks.dispatcher and deliveries: signed delivery to a real local receiver, retries, crash repeats, redelivery."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from schema.events.payload import wire_payload
from models import DomainEvent, OutboxCursor, WebhookDelivery, WebhookEndpoint
from services.errors import NotFound, ValidationFailed
from services.webhooks import dispatcher
from services.webhooks.deliveries import get_delivery, list_deliveries, redeliver, send_test
from services.webhooks.dispatcher import claim_due, fan_out, run_once
from services.webhooks.endpoints import create_endpoint, update_endpoint
from services.webhooks.schedule import MAX_ATTEMPTS
from services.webhooks.sender import build_client
from tests.integration.service_support import new_partner
from schema.common.relay import to_global_id
from tests.integration.webhook_support import CUSTOMER_ID, WALLET_ID, emit, receiver


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch):
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


async def drain_events() -> None:
    """Fan out whatever earlier tests (API tests share the database) left, and settle their deliveries,
    so each test here sees only its own."""
    while await fan_out(now=datetime.now(timezone.utc), wire=wire_payload):
        pass
    await WebhookDelivery.filter(status="PENDING").update(status="FAILED")


async def test_an_event_is_delivered_signed_to_a_local_receiver(database_url):
    await drain_events()
    principal, other = await new_partner("wh-send"), await new_partner("wh-send-other")
    async with receiver() as box:
        created = await create_endpoint(principal=principal, url=box.url, event_types=["wallet.frozen"])
        await create_endpoint(principal=other, url=box.url, event_types=["*"])  # another partner's: not sent
        event = await emit(principal.partner_id)
        await emit(principal.partner_id, "wallet.unfrozen")  # not subscribed
        async with build_client() as client:
            assert await run_once(client, wire=wire_payload) == 1
        assert len(box.received) == 1
        headers, body = box.received[0]
        document = Webhook(created.secret).verify(body, headers)
        assert document["type"] == "wallet.frozen"
        assert document["data"] == {"walletId": to_global_id("Wallet", WALLET_ID), "customerId": to_global_id("Customer", CUSTOMER_ID)}
        assert headers["webhook-id"] == dispatcher.message_id(event.id)
    delivery = await WebhookDelivery.get(event_id=event.id)
    assert delivery.status == "SUCCEEDED" and delivery.attempt == 1 and delivery.last_response_status == 200
    cursor, row = await OutboxCursor.get(name="webhooks"), await DomainEvent.get(id=event.id)
    assert (cursor.tx, cursor.event_id) >= (row.tx, row.id)  # the fan-out moved past the event
    page = await list_deliveries(principal=principal, endpoint_id=created.endpoint.id, status="SUCCEEDED")
    assert [d.id for d in page.items] == [delivery.id]


async def test_failures_retry_on_schedule_then_give_up_and_disable_the_endpoint(database_url):
    await drain_events()
    principal = await new_partner("wh-retry")
    clock, calls = Clock(), []

    def failing(request):
        calls.append(request.headers["webhook-id"])
        return httpx.Response(503, text="down")

    endpoint = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])).endpoint
    await emit(principal.partner_id)
    rng = random.Random(7)
    async with build_client(httpx.MockTransport(failing)) as client:
        start = clock.now
        await run_once(client, wire=wire_payload, clock=clock, rng=rng)
        delivery = await WebhookDelivery.get(endpoint_id=endpoint.id)
        assert delivery.attempt == 1 and delivery.status == "PENDING"
        assert timedelta(0) < delivery.next_attempt_at - start <= timedelta(seconds=10)  # first retry soon
        assert await run_once(client, wire=wire_payload, clock=clock, rng=rng) == 0  # not due yet
        for _ in range(MAX_ATTEMPTS - 1):
            delivery = await WebhookDelivery.get(id=delivery.id)
            clock.now = delivery.next_attempt_at
            assert await run_once(client, wire=wire_payload, clock=clock, rng=rng) == 1
    delivery = await WebhookDelivery.get(id=delivery.id)
    assert delivery.status == "FAILED" and delivery.attempt == MAX_ATTEMPTS and delivery.last_response_status == 503
    assert clock.now - start >= timedelta(hours=24)
    assert len(calls) == MAX_ATTEMPTS and len(set(calls)) == 1  # the same webhook-id every time
    endpoint = await WebhookEndpoint.get(id=endpoint.id)
    assert endpoint.status == "FAILING" and "24 hours" in endpoint.disabled_reason
    told = await DomainEvent.filter(type="webhook_endpoint.disabled", object_id=str(endpoint.id)).first()
    assert told is not None and told.partner_id == principal.partner_id  # the partner is told, not only the field
    assert told.payload == {"endpointId": str(endpoint.id), "status": "FAILING"}
    await emit(principal.partner_id)
    await fan_out(now=clock.now, wire=wire_payload)
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 1  # a disabled endpoint gets no new deliveries
    with pytest.raises(ValidationFailed, match="disabled"):
        await redeliver(principal=principal, delivery_id=delivery.id)
    await update_endpoint(principal=principal, endpoint_id=endpoint.id, enabled=True)
    again = await redeliver(principal=principal, delivery_id=delivery.id, now=clock.now)
    assert again.status == "PENDING"


async def test_a_crash_after_sending_repeats_the_same_message_once_the_lease_lapses(database_url):
    await drain_events()
    principal = await new_partner("wh-crash")
    clock, seen = Clock(), []
    await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])
    await emit(principal.partner_id)
    await fan_out(now=clock(), wire=wire_payload)
    lost = await claim_due(now=clock())  # claimed, sent... and the process dies before recording
    assert len(lost) == 1
    assert await claim_due(now=clock()) == []  # leased: nobody else sends it meanwhile

    def ok(request):
        seen.append(request.headers["webhook-id"])
        return httpx.Response(204)

    clock.now += dispatcher.LEASE + timedelta(seconds=1)
    async with build_client(httpx.MockTransport(ok)) as client:
        assert await run_once(client, wire=wire_payload, clock=clock) == 1
    assert seen == [lost[0].message_id]
    assert (await WebhookDelivery.get(id=lost[0].id)).status == "SUCCEEDED"


async def test_an_attempt_that_fails_on_our_side_counts_like_any_failed_attempt(database_url, monkeypatch):
    """A secret that does not decrypt (say) must not leave the delivery leased again forever: it retries on schedule."""
    await drain_events()
    principal = await new_partner("wh-internal")
    clock = Clock()
    await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])
    await emit(principal.partner_id)

    async def broken(*args, **kwargs):
        raise RuntimeError("data key does not unwrap")

    monkeypatch.setattr(dispatcher, "signing_secrets", broken)
    async with build_client(httpx.MockTransport(lambda request: httpx.Response(200))) as client:
        assert await run_once(client, wire=wire_payload, clock=clock) == 1
    delivery = await WebhookDelivery.filter(partner_id=principal.partner_id).get()
    assert (delivery.status, delivery.attempt, delivery.lease_until) == ("PENDING", 1, None)
    assert delivery.last_error == "internal error: RuntimeError" and delivery.next_attempt_at > clock()


async def test_a_round_checks_each_endpoint_once_and_a_refused_url_fails_its_deliveries(database_url, monkeypatch):
    """The URL is checked once per endpoint and round (not per event), and again every round: a name re-pointed
    at a refused address fails that round's attempts without a request, and the endpoint's failing streak starts;
    the next round's success ends it."""
    await drain_events()
    principal = await new_partner("wh-round")
    clock, checks, sent = Clock(), [], []
    endpoint = (await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])).endpoint
    for _ in range(5):
        await emit(principal.partner_id)
    verdict: list[str | None] = ["refused: the URL points at a loopback, private, link-local or metadata address"]

    async def refusal(url, *, production, allow_private):
        checks.append(url)
        return verdict[0]

    def ok(request):
        sent.append(request.headers["webhook-id"])
        return httpx.Response(204)

    monkeypatch.setattr(dispatcher, "refusal", refusal)
    async with build_client(httpx.MockTransport(ok)) as client:
        assert await run_once(client, wire=wire_payload, clock=clock) == 5
        assert checks == [endpoint.url] and sent == []
        deliveries = await WebhookDelivery.filter(endpoint_id=endpoint.id)
        assert {(d.status, d.attempt, d.last_error) for d in deliveries} == {("PENDING", 1, verdict[0])}
        assert (await WebhookEndpoint.get(id=endpoint.id)).failing_since == clock.now
        verdict[0] = None
        clock.now = max(d.next_attempt_at for d in deliveries)
        assert await run_once(client, wire=wire_payload, clock=clock) == 5
    assert len(checks) == 2 and len(sent) == 5
    assert {d.status for d in await WebhookDelivery.filter(endpoint_id=endpoint.id)} == {"SUCCEEDED"}
    assert (await WebhookEndpoint.get(id=endpoint.id)).failing_since is None


async def test_fan_out_twice_makes_no_second_delivery(database_url):
    await drain_events()
    principal = await new_partner("wh-twice")
    await create_endpoint(principal=principal, url="http://127.0.0.1:9/hook", event_types=["*"])
    event = await emit(principal.partner_id)
    await fan_out(now=datetime.now(timezone.utc), wire=wire_payload)
    # As if the cursor's commit was lost (a crash between the deliveries and the cursor cannot happen: one
    # transaction; this replays the worst case, the whole round again).
    row = await DomainEvent.get(id=event.id)  # its tx as the database set it
    await OutboxCursor.filter(name="webhooks").update(tx=row.tx, event_id=row.id - 1)
    await fan_out(now=datetime.now(timezone.utc), wire=wire_payload)
    assert await WebhookDelivery.filter(event_id=event.id).count() == 1


async def test_another_partners_delivery_is_not_found(database_url):
    await drain_events()
    owner, other = await new_partner("wh-own-d"), await new_partner("wh-other-d")
    await create_endpoint(principal=owner, url="http://127.0.0.1:9/hook", event_types=["*"])
    event = await emit(owner.partner_id)
    await fan_out(now=datetime.now(timezone.utc), wire=wire_payload)
    delivery = await WebhookDelivery.get(event_id=event.id)
    with pytest.raises(NotFound):
        await get_delivery(principal=other, delivery_id=delivery.id)
    with pytest.raises(NotFound):
        await redeliver(principal=other, delivery_id=delivery.id)
    assert (await list_deliveries(principal=other)).items == []
    with pytest.raises(ValidationFailed):
        await list_deliveries(principal=owner, status="LOST")


async def test_webhook_test_sends_a_signed_ping(database_url):
    principal = await new_partner("wh-ping")
    async with receiver() as box:
        created = await create_endpoint(principal=principal, url=box.url, event_types=["*"])
        result = await send_test(principal=principal, endpoint_id=created.endpoint.id)
        assert result.succeeded and result.response_status == 200
        headers, body = box.received[0]
        assert json.loads(body)["type"] == "webhook.ping"
        Webhook(created.secret).verify(body, headers)


async def test_a_slow_endpoint_times_out_without_holding_up_the_others(database_url, monkeypatch):
    import asyncio

    from services.webhooks import sender

    await drain_events()
    monkeypatch.setattr(sender, "TOTAL_TIMEOUT_S", 0.5)
    slow, fast = await new_partner("wh-slow"), await new_partner("wh-fast")
    await create_endpoint(principal=slow, url="http://127.0.0.1:9/slow", event_types=["*"])
    await create_endpoint(principal=fast, url="http://127.0.0.1:9/fast", event_types=["*"])
    slow_event, fast_event = await emit(slow.partner_id), await emit(fast.partner_id)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/slow":
            await asyncio.sleep(5)
        return httpx.Response(200)

    async with build_client(httpx.MockTransport(handler)) as client:
        assert await run_once(client, wire=wire_payload) == 2
    slow_delivery = await WebhookDelivery.get(event_id=slow_event.id)
    fast_delivery = await WebhookDelivery.get(event_id=fast_event.id)
    assert fast_delivery.status == "SUCCEEDED" and fast_delivery.last_latency_ms < 500
    assert slow_delivery.status == "PENDING" and slow_delivery.last_error == "timed out"
    assert slow_delivery.last_latency_ms < 2000
