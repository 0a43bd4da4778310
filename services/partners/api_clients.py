"""A partner's API clients and their secrets: scopes, issuing, rotating, revoking, reading."""

from __future__ import annotations

import secrets
import time
import uuid

from tortoise.transactions import in_transaction

from auth.passwords import hash_secret_async
from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES, unknown_scopes
from models import ApiClient
from models.enums import ApiClientStatus
from services.errors import NotFound, ValidationFailed
from services.partners.queries import get_partner
from services.partners.records import ApiClientRecord, IssuedSecret
from services.scoping import partner_scoped, of_chosen_partners
from services.token_liveness import announce_access_change, token_cutoff

MAX_ROTATION_GRACE_S = 86_400  # a rotated secret works for at most a day more


def check_scopes(scopes: list[str] | None) -> list[str]:
    """Validate requested partner scopes (all of them when none are named)."""
    granted = sorted(set(scopes)) if scopes else list(PARTNER_SCOPES)
    unknown = unknown_scopes(granted)
    if unknown:
        raise ValidationFailed(f"unknown scopes: {' '.join(unknown)}", field=["scopes"])
    return granted


async def new_client(partner_id: uuid.UUID, scopes: list[str]) -> IssuedSecret:
    """Create an API client with a fresh secret (argon2id-hashed; the secret is returned once)."""
    secret = secrets.token_urlsafe(32)
    client = await ApiClient.create(
        partner_id=partner_id, client_id="qb_" + secrets.token_hex(12),
        secret_hash=await hash_secret_async(secret), scopes=" ".join(scopes),
    )
    return IssuedSecret(client=ApiClientRecord.from_row(client), client_secret=secret)


async def create_api_client(*, partner_id: uuid.UUID | None, scopes: list[str] | None) -> IssuedSecret:
    """A further API client for a partner, with its own scopes; the secret is returned once."""
    partner = await get_partner(partner_id=partner_id)
    return await new_client(partner.id, check_scopes(scopes))


async def get_api_client(*, api_client_id: uuid.UUID | None) -> ApiClientRecord:
    """An API client by id, or NotFound."""
    return ApiClientRecord.from_row(await _client_row(api_client_id))


async def _client_row(api_client_id: uuid.UUID | None) -> ApiClient:
    """The stored API client row, or NotFound."""
    client = await ApiClient.get_or_none(id=api_client_id) if api_client_id else None
    if client is None:
        raise NotFound("API client not found", field=["apiClientId"])
    return client


async def rotate_client_secret(*, api_client_id: uuid.UUID | None, grace_s: int = 0) -> IssuedSecret:
    """Replace a client's secret; the new one is returned once.

    Without a grace period the old secret stops working at once, and so do
    the tokens issued before the rotation (the client's and the customer
    tokens minted with them). With `grace_s` (at most a day) the old secret
    still gets tokens at /oauth/token until the grace period ends, each
    expiring by then; the tokens issued before the rotation die then too. A
    further rotation ends an earlier grace period at once.
    """
    if isinstance(grace_s, bool) or not isinstance(grace_s, int) or not 0 <= grace_s <= MAX_ROTATION_GRACE_S:
        raise ValidationFailed(f"graceSeconds must be between 0 and {MAX_ROTATION_GRACE_S}", field=["graceSeconds"])
    _refuse_revoked(await _client_row(api_client_id))  # before the costly hash; checked again under the lock
    secret = secrets.token_urlsafe(32)
    secret_hash = await hash_secret_async(secret)
    async with in_transaction():
        client = await ApiClient.filter(id=api_client_id).select_for_update().get()
        _refuse_revoked(client)
        now_s = time.time()
        # An earlier rotation's grace period (over or not) ends now: its cutoff is in force from here on.
        earlier = max(client.min_token_iat_s or 0, client.pending_min_token_iat_s or 0)
        if grace_s:
            client.previous_secret_hash = client.secret_hash
            client.previous_secret_expires_s = int(now_s) + grace_s
            client.min_token_iat_s = earlier or None
            client.pending_min_token_iat_s = token_cutoff(now_s)
        else:
            client.previous_secret_hash = client.previous_secret_expires_s = client.pending_min_token_iat_s = None
            client.min_token_iat_s = max(earlier, token_cutoff(now_s))
        client.secret_hash = secret_hash
        await client.save(update_fields=[
            "secret_hash", "previous_secret_hash", "previous_secret_expires_s", "min_token_iat_s", "pending_min_token_iat_s",
        ])
    await announce_access_change()
    return IssuedSecret(client=ApiClientRecord.from_row(client), client_secret=secret)


def _refuse_revoked(client: ApiClient) -> None:
    if client.status != ApiClientStatus.ACTIVE:
        raise ValidationFailed("a revoked client cannot get a new secret", field=["apiClientId"])


async def revoke_api_client(*, api_client_id: uuid.UUID | None) -> ApiClientRecord:
    """Revoke a client: no new tokens, and its live tokens are refused from the next request."""
    async with in_transaction():
        client = await _client_row(api_client_id)
        if client.status == ApiClientStatus.REVOKED:
            raise ValidationFailed("API client is already revoked", field=["apiClientId"])
        client.status = ApiClientStatus.REVOKED
        client.previous_secret_hash = client.previous_secret_expires_s = None  # no grace period outlives the client
        await client.save(update_fields=["status", "previous_secret_hash", "previous_secret_expires_s"])
    await announce_access_change()
    return ApiClientRecord.from_row(client)


async def clients_of_partners(*, principal: Principal, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApiClientRecord]]:
    """The API clients of several partners that the principal may read, in one query."""
    rows = await of_chosen_partners(partner_scoped(ApiClient, principal), partner_ids).order_by("id")
    grouped: dict[uuid.UUID, list[ApiClientRecord]] = {pid: [] for pid in partner_ids}
    for row in rows:
        record = ApiClientRecord.from_row(row)
        grouped.setdefault(record.partner_id, []).append(record)
    return grouped
