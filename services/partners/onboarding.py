"""Onboarding: a new partner together with its first API client, in one transaction."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Partner
from models.enums import PartnerEnvironment
from services.errors import ValidationFailed
from services.partners.api_clients import check_scopes, new_client
from services.partners.environment import parse_environment
from services.partners.records import NewPartner, PartnerRecord


async def create_partner(
    *, name: str, scopes: list[str] | None = None, environment: PartnerEnvironment | str | None = None
) -> NewPartner:
    """Create a partner and its first API client; the secret is returned once.

    `environment` (LIVE by default, or SANDBOX) is fixed for good: a sandbox
    partner's tokens, customers and money live apart from live data.
    """
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("partner name must be 1 to 200 characters", field=["name"])
    try:
        env = parse_environment(environment)
    except ValueError:
        raise ValidationFailed("environment must be LIVE or SANDBOX", field=["environment"]) from None
    granted = check_scopes(scopes)
    async with in_transaction():
        partner = await Partner.create(name=name, environment=env)
        issued = await new_client(partner.id, granted)
    return NewPartner(partner=PartnerRecord.from_row(partner), client=issued.client, client_secret=issued.client_secret)
