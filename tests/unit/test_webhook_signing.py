"""services.webhooks.signing, body and sender: Standard Webhooks headers that the library verifies; capped, unredirected sends."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.webhooks.body import build_body, ping_body
from services.webhooks.sender import MAX_RESPONSE_BYTES, build_client, send
from services.webhooks.signing import new_secret, signed_headers



def now() -> datetime:
    """The time of the test itself: the library refuses a signature timestamp older than 5 minutes, and a
    module-level constant is as old as the test run's collection (a long CI run exceeds that)."""
    return datetime.now(timezone.utc)


def AS_IS(event_type, payload):  # noqa: N802 - a converter that changes nothing
    return payload


def test_signed_headers_verify_with_the_library():
    secret, at = new_secret(), now()
    body = build_body(event_type="kyc.approved", payload={"customerId": "Q3VzdG9tZXI6MQ"}, occurred_at=at, wire=AS_IS, sequence=7)
    headers = signed_headers(message_id="msg_1", timestamp=at, body=body, secrets_=[secret])
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    assert headers["webhook-id"] == "msg_1" and headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)


def test_during_rotation_both_secrets_verify():
    old, new = new_secret(), new_secret()
    at = now()
    body = ping_body(now=at)
    headers = signed_headers(message_id="msg_2", timestamp=at, body=body, secrets_=[new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_the_body_is_standard_webhooks_json():
    wire = lambda event_type, payload: {"walletId": payload["walletId"].upper()}  # noqa: E731
    body = json.loads(build_body(event_type="wallet.frozen", payload={"walletId": "x", "secret": 1}, occurred_at=now(), wire=wire, sequence=8))
    assert body["type"] == "wallet.frozen" and body["data"] == {"walletId": "X"}  # what the converter shows, only
    assert body["timestamp"].endswith("Z")


class StreamingTransport(httpx.AsyncBaseTransport):
    """Like httpx.MockTransport, but leaves the response body unread (MockTransport reads it whole)."""

    def __init__(self, handler) -> None:
        self.handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)


class Chunks(httpx.AsyncByteStream):
    def __init__(self, chunk: bytes, count: int) -> None:
        self.chunk, self.count, self.sent = chunk, count, 0

    async def __aiter__(self):
        for _ in range(self.count):
            self.sent += 1
            yield self.chunk


async def _send(handler) -> object:
    async with build_client(StreamingTransport(handler)) as client:
        return await send(client, url="http://127.0.0.1:9/hook", body=b"{}", headers={}, production=False, allow_private=True)


async def test_redirects_are_not_followed():
    calls = []

    def handler(request):
        calls.append(request.url)
        return httpx.Response(302, headers={"location": "http://169.254.169.254/"}, stream=Chunks(b"", 0))

    result = await _send(handler)
    assert result.status == 302 and not result.succeeded and len(calls) == 1


async def test_the_response_body_is_read_only_up_to_the_cap():
    stream = Chunks(b"x" * 4096, 1000)  # 4 MB offered
    result = await _send(lambda request: httpx.Response(200, stream=stream))
    assert result.succeeded and len(result.body) == MAX_RESPONSE_BYTES
    assert stream.sent <= MAX_RESPONSE_BYTES // 4096 + 1  # stopped reading at the cap


async def test_a_connection_error_is_a_failed_attempt():
    def handler(request):
        raise httpx.ConnectError("refused")

    result = await _send(handler)
    assert result.status is None and "ConnectError" in result.error


async def test_a_private_url_is_refused_at_delivery_without_the_switch():
    async with build_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        result = await send(client, url="http://127.0.0.1:9/hook", body=b"{}", headers={}, production=False, allow_private=False)
    assert result.status is None and result.error.startswith("refused")
