"""Webhooks over GraphQL: endpoints managed with webhooks:manage, the secret shown once, clear refusals, the log."""

from __future__ import annotations

import pytest

from models import WebhookEndpoint
from services.webhooks.endpoints import MAX_ENDPOINTS_PER_PARTNER
from tests.api.support import error_codes
from tests.api.webhook_support import CREATE, finished_delivery, new_endpoint, raw, stored_endpoint

PAYLOAD = "userErrors { code message field }"
UPDATE = (f"mutation($input: WebhookEndpointUpdateInput!) {{ webhookEndpointUpdate(input: $input) {{"
          f" webhookEndpoint {{ id url status description eventTypes disabledReason }} {PAYLOAD} }} }}")
ROTATE = (f"mutation($input: WebhookEndpointInput!) {{ webhookEndpointRotateSecret(input: $input) {{"
          f" webhookEndpoint {{ id previousSecretExpiresAt }} signingSecret {PAYLOAD} }} }}")
DELETE = (f"mutation($input: WebhookEndpointInput!) {{ webhookEndpointDelete(input: $input) {{"
          f" deletedWebhookEndpointId {PAYLOAD} }} }}")
REDELIVER = (f"mutation($input: WebhookRedeliverInput!) {{ webhookRedeliver(input: $input) {{"
             f" webhookDelivery {{ id status attempt }} {PAYLOAD} }} }}")
TEST = (f"mutation($input: WebhookEndpointInput!) {{ webhookTest(input: $input) {{"
        f" ping {{ webhookId succeeded responseStatus error latencyMs requestBody }} {PAYLOAD} }} }}")
DELIVERIES = ("query($e: ID, $s: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $e, status: $s, first: 10) {"
              " nodes { id endpointId webhookId eventType requestBody status attempt responseStatus error latencyMs"
              " nextAttemptAt } } }")


async def test_create_list_update_rotate_delete(clients):
    a = await clients.partner()
    created = await new_endpoint(a, event_types=["wallet.frozen", "kyc.approved"])
    endpoint = created["webhookEndpoint"]
    assert created["signingSecret"].startswith("whsec_") and endpoint["status"] == "ENABLED"
    assert endpoint["eventTypes"] == ["kyc.approved", "wallet.frozen"]
    listed = await a.ok("{ webhookEndpoints(first: 10) { nodes { id url } } }")
    assert listed["webhookEndpoints"]["nodes"] == [{"id": endpoint["id"], "url": endpoint["url"]}]

    updated = await a.ok(UPDATE, {"input": {"endpointId": endpoint["id"], "enabled": False, "description": "paused"}})
    assert updated["webhookEndpointUpdate"]["webhookEndpoint"]["status"] == "DISABLED"
    rotated = (await a.ok(ROTATE, {"input": {"endpointId": endpoint["id"]}}))["webhookEndpointRotateSecret"]
    assert rotated["signingSecret"] not in (None, created["signingSecret"])
    assert rotated["webhookEndpoint"]["previousSecretExpiresAt"] is not None
    deleted = await a.ok(DELETE, {"input": {"endpointId": endpoint["id"]}})
    assert deleted["webhookEndpointDelete"]["deletedWebhookEndpointId"] == endpoint["id"]
    assert not await WebhookEndpoint.exists(id=raw(endpoint["id"]))


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"eventTypes": ["wallet.exploded"]}, "VALIDATION", ["eventTypes"]),
    ({"eventTypes": []}, "VALIDATION", ["eventTypes"]),
    ({"url": "not a url"}, "VALIDATION", ["url"]),
    ({"url": "ftp://93.184.216.34/"}, "VALIDATION", ["url"]),
    ({"url": "http://127.0.0.1:8080/hook"}, "VALIDATION", ["url"]),
    ({"url": "https://10.0.0.1/hook"}, "VALIDATION", ["url"]),
    ({"url": "https://172.16.0.1/hook"}, "VALIDATION", ["url"]),
    ({"url": "https://192.168.0.1/hook"}, "VALIDATION", ["url"]),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "VALIDATION", ["url"]),
    ({"url": "https://[::1]/hook"}, "VALIDATION", ["url"]),
    ({"url": "https://[fd00::1]/hook"}, "VALIDATION", ["url"]),
    ({"url": "http://localhost/hook"}, "VALIDATION", ["url"]),
])
async def test_bad_input_is_refused_with_a_code_and_creates_nothing(clients, change, code, field):
    a = await clients.partner()
    body = await a.ok(CREATE, {"input": {"url": "https://93.184.216.34/hook", "eventTypes": ["*"], **change}})
    payload = body["webhookEndpointCreate"]
    assert payload["webhookEndpoint"] is None and payload["signingSecret"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert (await a.ok("{ webhookEndpoints(first: 10) { nodes { id } } }"))["webhookEndpoints"]["nodes"] == []


async def test_too_many_endpoints_is_limit_exceeded(clients):
    a = await clients.partner()
    for _ in range(MAX_ENDPOINTS_PER_PARTNER):
        await stored_endpoint(a.partner_id)
    body = await a.ok(CREATE, {"input": {"url": "https://93.184.216.34/hook", "eventTypes": ["*"]}})
    assert [e["code"] for e in body["webhookEndpointCreate"]["userErrors"]] == ["LIMIT_EXCEEDED"]


async def test_deliveries_log_redeliver_and_another_partners_delivery(clients):
    a, b = await clients.partner(), await clients.partner()
    endpoint = await stored_endpoint(a.partner_id)
    delivery = await finished_delivery(a.partner_id, endpoint)
    log = (await a.ok(DELIVERIES, {"e": endpoint, "s": "FAILED"}))["webhookDeliveries"]["nodes"]
    assert [(d["id"], d["endpointId"], d["status"], d["attempt"], d["responseStatus"]) for d in log] == [
        (delivery, endpoint, "FAILED", 12, 503)]
    assert (await b.ok(DELIVERIES, {}))["webhookDeliveries"]["nodes"] == []
    assert error_codes(await b.gql(DELIVERIES, {"e": endpoint})) == ["NOT_FOUND"]
    refused = (await b.ok(REDELIVER, {"input": {"deliveryId": delivery}}))["webhookRedeliver"]
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    again = (await a.ok(REDELIVER, {"input": {"deliveryId": delivery}}))["webhookRedeliver"]
    assert again["webhookDelivery"]["status"] == "PENDING" and again["userErrors"] == []
    twice = (await a.ok(REDELIVER, {"input": {"deliveryId": delivery}}))["webhookRedeliver"]
    assert [e["code"] for e in twice["userErrors"]] == ["VALIDATION"]


async def test_webhook_test_to_a_loopback_url_is_refused_at_send_time(clients):
    a = await clients.partner()
    endpoint = await stored_endpoint(a.partner_id, url="http://127.0.0.1:9/hook")  # as if DNS changed after creation
    ping = (await a.ok(TEST, {"input": {"endpointId": endpoint}}))["webhookTest"]["ping"]
    assert ping["succeeded"] is False and ping["responseStatus"] is None and ping["error"].startswith("refused")


async def test_a_token_without_the_scope_is_forbidden(clients):
    narrow = await clients.partner(scopes=["wallets:read"])
    body = await narrow.gql("{ webhookEndpoints(first: 1) { nodes { id } } }")
    assert error_codes(body) == ["FORBIDDEN"]
