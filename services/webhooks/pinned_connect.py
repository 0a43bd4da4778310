"""The SSRF rule applied when the connection is made: connect only to an address checked a moment before.

Checking a URL's addresses and then letting an HTTP client resolve the name
again leaves a gap (DNS rebinding: the name answers a public address to the
check and 127.0.0.1 to the connect). `connect_checked` closes it: it resolves
the host itself, refuses when any address is internal, and connects to the
addresses it checked (TLS still verifies the certificate for the name, since
the server name comes from the URL, not from the address).
"""

from __future__ import annotations

import asyncio
import ssl

from services.webhooks import config
from services.webhooks.url_safety import UnsafeWebhookUrl, is_forbidden_address, resolve


async def connect_checked(
    host: str, port: int, *, tls: ssl.SSLContext | None, limit: int,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Resolve, refuse internal addresses (unless allowed for development), connect to a checked address."""
    addresses = await resolve(host, port)
    if not config.allow_private_urls() and any(is_forbidden_address(a) for a in addresses):
        raise UnsafeWebhookUrl("the URL points at a loopback, private, link-local or metadata address", field=["url"])
    failure: OSError | None = None
    for address in addresses:
        try:
            return await asyncio.open_connection(
                address, port, ssl=tls, server_hostname=host if tls is not None else None, limit=limit)
        except OSError as exc:
            failure = exc
    raise failure or OSError(f"no address to connect to for {host}")
