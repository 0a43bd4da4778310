"""The SSRF rule applied when the connection is made: connect only to an address checked a moment before.

Checking a URL's addresses and then letting the HTTP client resolve the name
again leaves a gap (DNS rebinding: the name answers a public address to the
check and 127.0.0.1 to the connect). This network backend closes it: it
resolves the host itself, refuses when any address is internal, and connects
to the addresses it checked (TLS still verifies the certificate for the name,
since the server name comes from the URL, not from the address).
"""

from __future__ import annotations

import typing

import httpcore
import httpx

from services.webhooks import config
from services.webhooks.url_safety import UnsafeWebhookUrl, is_forbidden_address, resolve


class CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address rule in connect_tcp."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, refuse internal addresses (unless allowed for development), connect to a checked address."""
        addresses = await resolve(host, port)
        if not config.allow_private_urls() and any(is_forbidden_address(a) for a in addresses):
            raise UnsafeWebhookUrl("the URL points at a loopback, private, link-local or metadata address", field=["url"])
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address to connect to for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.AsyncNetworkStream:
        """Never: webhooks go to TCP endpoints only."""
        raise httpcore.ConnectError("webhooks are not delivered to unix sockets")

    async def sleep(self, seconds: float) -> None:
        """As the wrapped backend sleeps."""
        await self._inner.sleep(seconds)


def pinned_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through CheckedAddressBackend (no proxies from the environment)."""
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    pool = transport._pool  # httpx keeps its httpcore pool here (httpx 0.28); checked so an upgrade fails loudly
    if not isinstance(getattr(pool, "_network_backend", None), httpcore.AsyncNetworkBackend):
        raise RuntimeError("httpx changed its transport internals: the webhook address check cannot be installed")
    pool._network_backend = CheckedAddressBackend(pool._network_backend)
    return transport
