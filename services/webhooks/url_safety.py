"""Which webhook URLs may be called: https in production, never an internal address (SSRF).

Checked at creation and again before every delivery, because a name can be
re-pointed after it was accepted. QIANBAO_WEBHOOK_ALLOW_PRIVATE_URLS (never in
production) lifts the address rule for development and tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from services.errors import ValidationFailed

MAX_URL_CHARS = 2048
# Cloud metadata services beyond the link-local 169.254.169.254 (already refused as link-local).
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeWebhookUrl(ValidationFailed):
    """A URL that is malformed, not https in production, or reaches an internal address."""


def is_forbidden_address(address: str) -> bool:
    """True for loopback, private, link-local, metadata, multicast, reserved and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or not ip.is_global or ip in _METADATA
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def check_url_shape(url: str, *, production: bool) -> tuple[str, int]:
    """(host, port) of a well-formed webhook URL; UnsafeWebhookUrl otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise UnsafeWebhookUrl(f"the URL must be 1 to {MAX_URL_CHARS} characters", field=["url"])
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeWebhookUrl("not a valid URL", field=["url"]) from None
    allowed = {"https"} if production else {"https", "http"}
    if parts.scheme not in allowed:
        raise UnsafeWebhookUrl("the URL must use https" + ("" if production else " (or http in development)"), field=["url"])
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeWebhookUrl("the URL needs a host and no user name or password", field=["url"])
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (an IP literal resolves to itself)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve", field=["url"]) from exc
    return sorted({info[4][0] for info in infos})


async def check_url(url: str, *, production: bool, allow_private: bool) -> list[str]:
    """Refuse a URL that is malformed or whose host resolves to any internal address; its addresses otherwise."""
    host, port = check_url_shape(url, production=production)
    addresses = await resolve(host, port)
    if not allow_private and any(is_forbidden_address(a) for a in addresses):
        raise UnsafeWebhookUrl("the URL points at a loopback, private, link-local or metadata address", field=["url"])
    return addresses
