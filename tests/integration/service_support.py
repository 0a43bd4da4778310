"""Partners, customers and wallets made through the real services, for the per-module service tests."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from services.customers import create_customer
from services.partners.onboarding import create_partner
from services.wallets import open_wallet
from tests.factories import grant_tier

_partners = itertools.count(1)
_customers = itertools.count(1)


@dataclass(frozen=True)
class Holder:
    """A customer with one wallet."""

    customer_id: uuid.UUID
    wallet_id: uuid.UUID
    account_id: int


async def new_partner(prefix: str = "svc") -> Principal:
    """A new partner and the principal of its first API client, with every partner scope."""
    created = await create_partner(name=f"{prefix}-{next(_partners):04d}")
    return Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                     scopes=frozenset(PARTNER_SCOPES))


async def holder(principal: Principal, *, country: str = "CN", currency: str = "CNY", tier: int | None = 3,
                 kind: str = "INDIVIDUAL") -> Holder:
    """A new customer of the partner (KYC approved at `tier` unless None) with one wallet."""
    n = next(_customers)
    customer = await create_customer(principal=principal, external_ref=f"holder-{n:05d}", kind=kind,
                                     display_name=f"Holder {n}", country=country)
    if tier is not None:
        await grant_tier(customer.id, tier)
    wallet = await open_wallet(principal=principal, customer_id=customer.id, currency=currency)
    return Holder(customer.id, wallet.id, wallet.account_id)
