"""One HTTP POST of a signed webhook: short timeout, no redirects, response read up to a small cap."""

from __future__ import annotations

import asyncio
import time
from http.cookiejar import DefaultCookiePolicy
from dataclasses import dataclass

import httpx

from services.webhooks.keepalive_transport import KeepAliveTransport
from services.webhooks.url_safety import UnsafeWebhookUrl, check_url

TIMEOUT_S = 5.0
TOTAL_TIMEOUT_S = 10.0  # connect + send + read, however slowly the endpoint trickles bytes
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SendResult:
    """What one attempt did: a status (None when no response came back), the capped body, an error, the latency."""

    status: int | None
    body: str | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def build_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The dispatcher's client: never follows redirects, never reads proxies or .netrc from the environment,
    and connects only to addresses it has just checked (services.webhooks.keepalive_transport, pinned_connect)."""
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(TIMEOUT_S), follow_redirects=False, trust_env=False,
        transport=transport or KeepAliveTransport(),
    )
    # No cookies: one partner's endpoint must not plant state that rides along on later deliveries.
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    headers = {**headers, "accept-encoding": "identity"}  # raw bytes, so the cap is on what we buffer
    async with client.stream("POST", url, content=body, headers=headers) as response:
        if response.is_stream_consumed:  # an in-memory transport (tests) already read it
            return response.status_code, response.content[:MAX_RESPONSE_BYTES].decode("utf-8", "replace")
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk[: MAX_RESPONSE_BYTES - len(received)]
            if len(received) >= MAX_RESPONSE_BYTES:
                break  # stop reading: the rest is not ours to buffer
        return response.status_code, received.decode("utf-8", "replace")


async def refusal(url: str, *, production: bool, allow_private: bool) -> str | None:
    """Why the URL may not be sent to now (its shape, or a name resolving to an internal address); None if it may."""
    try:
        await check_url(url, production=production, allow_private=allow_private)
    except UnsafeWebhookUrl as exc:
        return f"refused: {exc.message}"[:255]
    return None


async def post(client: httpx.AsyncClient, *, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST once to a URL checked by `refusal` (the client's connections check their addresses again)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        status, text = await asyncio.wait_for(_post(client, url, body, headers), TOTAL_TIMEOUT_S)
    except UnsafeWebhookUrl as exc:  # the pinned connect found an internal address (re-pointed since the check)
        return SendResult(None, None, f"refused: {exc.message}"[:255], took())
    except (TimeoutError, httpx.TimeoutException):
        return SendResult(None, None, "timed out", took())
    except httpx.HTTPError as exc:
        return SendResult(None, None, f"{type(exc).__name__}: {exc}"[:255], took())
    return SendResult(status, text, None if 200 <= status < 300 else f"HTTP {status}", took())


async def send(
    client: httpx.AsyncClient, *, url: str, body: bytes, headers: dict[str, str], production: bool, allow_private: bool,
) -> SendResult:
    """POST once, after checking the URL's addresses again (a name can be re-pointed after creation)."""
    refused = await refusal(url, production=production, allow_private=allow_private)
    if refused is not None:
        return SendResult(None, None, refused, 0)
    return await post(client, url=url, body=body, headers=headers)
