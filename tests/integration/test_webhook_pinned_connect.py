"""The address rule at connect time: the dispatcher's client cannot be steered to an internal address by DNS."""

from __future__ import annotations

import httpx
import pytest

from services.webhooks import pinned_connect
from services.webhooks.sender import build_client
from services.webhooks.url_safety import UnsafeWebhookUrl
from tests.integration.webhook_support import receiver


async def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(monkeypatch):
    """Even a request that skipped send()'s check (as after a DNS change) cannot connect to 127.0.0.1."""
    monkeypatch.delenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", raising=False)
    async with receiver() as box:
        url = box.url.replace("127.0.0.1", "localhost")
        async with build_client() as client:
            with pytest.raises(UnsafeWebhookUrl):
                await client.post(url, content=b"{}")
        assert box.received == [], "nothing may reach the internal address"


async def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """Allowed (development), the client connects, and to an address resolve() returned and the rule saw."""
    monkeypatch.setenv("QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    seen: list[str] = []
    real_resolve = pinned_connect.resolve

    async def recording_resolve(host: str, port: int) -> list[str]:
        addresses = await real_resolve(host, port)
        seen.extend(addresses)
        return addresses

    monkeypatch.setattr(pinned_connect, "resolve", recording_resolve)
    async with receiver() as box:
        async with build_client() as client:
            response = await client.post(box.url.replace("127.0.0.1", "localhost"), content=b"{}")
        assert response.status_code == 200 and len(box.received) == 1
    assert "127.0.0.1" in seen or "::1" in seen


async def test_only_http_and_https_urls_are_sent():
    """The transport speaks HTTP/1.1 over TCP or TLS and nothing else (no file:, no unix sockets)."""
    async with build_client() as client:
        for url in ("file:///etc/passwd", "ftp://example.com/hook"):
            with pytest.raises(httpx.UnsupportedProtocol):
                await client.post(url, content=b"{}")
