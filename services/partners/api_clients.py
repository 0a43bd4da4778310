"""A partner's API clients and their secrets: scopes, issuing, rotating, revoking, reading."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from auth.passwords import hash_secret_async
from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES, unknown_scopes
from models import ApiClient, Partner
from models.enums import ApiClientStatus
from services.errors import NotFound, ValidationFailed
from services.partners.queries import get_partner
from services.scoping import partner_scoped, of_chosen_partners
from services.token_liveness import announce_access_change


@dataclass(frozen=True)
class IssuedSecret:
    client: ApiClient
    client_secret: str  # shown once, never stored

    @property
    def _audit_object(self) -> ApiClient:
        return self.client


def check_scopes(scopes: list[str] | None) -> list[str]:
    """Validate requested partner scopes (all of them when none are named)."""
    granted = sorted(set(scopes)) if scopes else list(PARTNER_SCOPES)
    unknown = unknown_scopes(granted)
    if unknown:
        raise ValidationFailed(f"unknown scopes: {' '.join(unknown)}", field=["scopes"])
    return granted


async def new_client(partner: Partner, scopes: list[str]) -> IssuedSecret:
    """Create an API client with a fresh secret (argon2id-hashed; the secret is returned once)."""
    secret = secrets.token_urlsafe(32)
    client = await ApiClient.create(
        partner=partner, client_id="qb_" + secrets.token_hex(12),
        secret_hash=await hash_secret_async(secret), scopes=" ".join(scopes),
    )
    return IssuedSecret(client=client, client_secret=secret)


async def create_api_client(*, partner_id: uuid.UUID | None, scopes: list[str] | None) -> IssuedSecret:
    """A further API client for a partner, with its own scopes; the secret is returned once."""
    partner = await get_partner(partner_id=partner_id)
    return await new_client(partner, check_scopes(scopes))


async def get_api_client(*, api_client_id: uuid.UUID | None) -> ApiClient:
    """An API client by id, or NotFound."""
    client = await ApiClient.get_or_none(id=api_client_id) if api_client_id else None
    if client is None:
        raise NotFound("API client not found", field=["apiClientId"])
    return client


async def rotate_client_secret(*, api_client_id: uuid.UUID | None) -> IssuedSecret:
    """Replace a client's secret: the old one stops working at once; the new one is returned once."""
    client = await get_api_client(api_client_id=api_client_id)
    if client.status != ApiClientStatus.ACTIVE:
        raise ValidationFailed("a revoked client cannot get a new secret", field=["apiClientId"])
    secret = secrets.token_urlsafe(32)
    client.secret_hash = await hash_secret_async(secret)
    await client.save(update_fields=["secret_hash"])
    return IssuedSecret(client=client, client_secret=secret)


async def revoke_api_client(*, api_client_id: uuid.UUID | None) -> ApiClient:
    """Revoke a client: no new tokens, and its live tokens are refused from the next request."""
    async with in_transaction():
        client = await get_api_client(api_client_id=api_client_id)
        if client.status == ApiClientStatus.REVOKED:
            raise ValidationFailed("API client is already revoked", field=["apiClientId"])
        client.status = ApiClientStatus.REVOKED
        await client.save(update_fields=["status"])
    await announce_access_change()
    return client


async def clients_of_partners(*, principal: Principal, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApiClient]]:
    """The API clients of several partners that the principal may read, in one query."""
    rows = await of_chosen_partners(partner_scoped(ApiClient, principal), partner_ids).order_by("id")
    grouped: dict[uuid.UUID, list[ApiClient]] = {pid: [] for pid in partner_ids}
    for row in rows:
        grouped.setdefault(row.partner_id, []).append(row)  # type: ignore[attr-defined]
    return grouped
