"""Bank staff manage partners and their API clients (admin only, enforced by the schema)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from auth.passwords import hash_secret_async
from auth.scopes import PARTNER_SCOPES, unknown_scopes
from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerStatus
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, keyset_page
from services.change_feed import announce
from services.caches import FEES_CHANNEL
from services.token_liveness import announce_access_change
from services.validation import clean_text


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


async def get_partner(*, partner_id: uuid.UUID | None) -> Partner:
    """A partner by id, or NotFound."""
    partner = await Partner.get_or_none(id=partner_id) if partner_id else None
    if partner is None:
        raise NotFound("partner not found", field=["partnerId"])
    return partner


async def list_partners(*, first: int | None, after: str | None) -> Page[Partner]:
    """Every partner, oldest first."""
    return await keyset_page(Partner.all(), first=first, after=after)


async def set_partner_status(*, partner_id: uuid.UUID | None, status: PartnerStatus, reason: str) -> Partner:
    """Suspend or reactivate a partner, with a reason; its tokens are refused or accepted from the next request."""
    clean_text(reason, field="reason", max_len=500)
    partner = await get_partner(partner_id=partner_id)
    if partner.status == status:
        raise ValidationFailed(f"partner is already {status.value.lower()}", field=["partnerId"])
    partner.status = status
    await partner.save(update_fields=["status"])
    await announce_access_change()
    return partner


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


async def clients_of_partners(*, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApiClient]]:
    """The API clients of several partners in one query."""
    rows = await ApiClient.filter(partner_id__in=partner_ids).order_by("id")
    grouped: dict[uuid.UUID, list[ApiClient]] = {pid: [] for pid in partner_ids}
    for row in rows:
        grouped.setdefault(row.partner_id, []).append(row)  # type: ignore[attr-defined]
    return grouped


async def set_fee_share(*, partner_id: uuid.UUID | None, share_bps: int) -> Partner:
    """Set the partner's share of its customers' fees (0 to 10,000 basis points); applies from the next posting."""
    if not 0 <= share_bps <= 10_000:
        raise ValidationFailed("shareBps must be between 0 and 10000", field=["shareBps"])
    partner = await get_partner(partner_id=partner_id)
    partner.fee_share_bps = share_bps
    await partner.save(update_fields=["fee_share_bps"])
    await announce(FEES_CHANNEL)  # every worker forgets the old share
    return partner
