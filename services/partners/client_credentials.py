"""Partners and their OAuth clients: creation and client-credential checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from auth.passwords import hash_secret_async, needs_rehash, verify_secret_async
from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerStatus
from services.errors import ValidationFailed
from services.partner_admin import check_scopes, new_client

# Verified against when the client id is unknown, so that an unknown client
# costs the same argon2 work as a wrong secret (no timing oracle).
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class NewClient:
    partner: Partner
    client: ApiClient
    client_secret: str  # shown once, never stored

    @property
    def _audit_object(self) -> Partner:
        return self.partner


@dataclass(frozen=True)
class AuthenticatedClient:
    partner: Partner
    client: ApiClient
    scopes: list[str]


async def create_partner(*, name: str, scopes: list[str] | None = None) -> NewClient:
    """Create a partner and its first API client; the secret is returned once."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("partner name must be 1 to 200 characters", field=["name"])
    granted = check_scopes(scopes)
    async with in_transaction():
        partner = await Partner.create(name=name)
        issued = await new_client(partner, granted)
    return NewClient(partner=partner, client=issued.client, client_secret=issued.client_secret)


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


async def get_own_partner(*, partner_id: object) -> Partner | None:
    """The calling partner's own record."""
    return await Partner.get_or_none(id=partner_id)
