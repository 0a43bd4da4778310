"""Checking an API client's credentials at the token endpoint (an unknown client costs as much as a wrong secret)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from auth.passwords import hash_secret_async, needs_rehash, verify_secret_async
from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerStatus

# Verified against when the client id is unknown, so that an unknown client
# costs the same argon2 work as a wrong secret (no timing oracle).
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class AuthenticatedClient:
    partner: Partner
    client: ApiClient
    scopes: list[str]


async def authenticate_client(*, client_id: str, client_secret: str) -> AuthenticatedClient | None:
    """Check client credentials; None for unknown, revoked, suspended or wrong secret."""
    global _DUMMY_HASH
    client = None
    if 0 < len(client_id) <= 64 and len(client_secret) <= 256:
        client = await ApiClient.get_or_none(client_id=client_id).select_related("partner")
    if client is None:
        if _DUMMY_HASH is None or needs_rehash(_DUMMY_HASH):
            # Made (again) with the current parameters, or it would cost less than a real hash.
            _DUMMY_HASH = await hash_secret_async(secrets.token_urlsafe(32))
        await verify_secret_async(_DUMMY_HASH, client_secret)
        return None
    if not await verify_secret_async(client.secret_hash, client_secret):
        return None
    if client.status != ApiClientStatus.ACTIVE or client.partner.status != PartnerStatus.ACTIVE:
        return None
    return AuthenticatedClient(partner=client.partner, client=client, scopes=client.scopes.split())
