"""Onboarding: a new partner together with its first API client, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models import ApiClient, Partner
from services.errors import ValidationFailed
from services.partners.api_clients import check_scopes, new_client


@dataclass(frozen=True)
class NewClient:
    partner: Partner
    client: ApiClient
    client_secret: str  # shown once, never stored

    @property
    def _audit_object(self) -> Partner:
        return self.partner


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
