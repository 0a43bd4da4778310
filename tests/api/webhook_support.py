"""Webhook endpoints and deliveries of a partner, for the API tests (nodes, permission matrix, webhooks)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from models import WebhookDelivery
from schema.common.relay import parse_global_id, to_global_id

PUBLIC_URL = "https://93.184.216.34/hook"  # an IP literal: no DNS lookup, never actually called by these tests
CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {"
          " webhookEndpoint { id url status eventTypes } signingSecret userErrors { code message field } } }")


def raw(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def new_endpoint(client, url: str = PUBLIC_URL, event_types: list[str] | None = None) -> dict:  # noqa: ANN001
    """webhookEndpointCreate through the API; the payload."""
    body = await client.ok(CREATE, {"input": {"url": url, "eventTypes": event_types or ["*"], "description": "test"}})
    payload = body["webhookEndpointCreate"]
    assert payload["userErrors"] == [], payload
    return payload


async def finished_delivery(partner_id: str | uuid.UUID, endpoint_global_id: str, status: str = "FAILED") -> str:
    """A finished delivery of the endpoint, written directly (as the dispatcher would); its global ID."""
    row = await WebhookDelivery.create(
        partner_id=uuid.UUID(str(partner_id)), endpoint_id=raw(endpoint_global_id), message_id="msg_" + uuid.uuid4().hex,
        event_type="wallet.frozen", body='{"data":{},"type":"wallet.frozen"}', status=status, attempt=12,
        next_attempt_at=datetime.now(timezone.utc), last_response_status=503, last_error="HTTP 503",
    )
    return to_global_id("WebhookDelivery", row.id)


async def webhook_ids(client) -> dict[str, str]:  # noqa: ANN001
    """One WebhookEndpoint and one WebhookDelivery of the client's partner, by type name."""
    endpoint = (await new_endpoint(client))["webhookEndpoint"]["id"]
    return {"WebhookEndpoint": endpoint, "WebhookDelivery": await finished_delivery(client.partner_id, endpoint)}


async def stored_endpoint(partner_id: str | uuid.UUID, url: str = "http://127.0.0.1:9/hook") -> str:
    """An enabled endpoint written directly (no per-partner cap, no URL check: a loopback URL the API then refuses
    to call, so webhookTest answers at once); its global ID."""
    from models import WebhookEndpoint
    from models.ids import uuid7
    from services.webhooks.endpoints import secret_context
    from services.pii import encrypt_value
    from services.webhooks.signing import new_secret

    endpoint_id = uuid7()
    await WebhookEndpoint.create(
        id=endpoint_id, partner_id=uuid.UUID(str(partner_id)), url=url, event_types=["*"],
        secret_enc=await encrypt_value(new_secret(), context=secret_context(endpoint_id)),
    )
    return to_global_id("WebhookEndpoint", endpoint_id)
