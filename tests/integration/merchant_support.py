"""Merchants made through the real services, for the merchant and payment-request service tests."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from auth.roles import permissions_of
from services.merchants.onboarding import create_merchant
from services.merchants.records import MerchantRecord
from tests.integration.service_support import Holder, holder


async def business(principal: Principal, *, currency: str = "CNY", tier: int | None = 3) -> Holder:
    """A BUSINESS customer of the partner (KYC approved unless tier is None) with one wallet."""
    return await holder(principal, kind="BUSINESS", currency=currency, country="CN" if currency == "CNY" else "US", tier=tier)


async def merchant_of(principal: Principal, owner: Holder | None = None, **overrides: object) -> MerchantRecord:
    """A new ACTIVE merchant of a (new) business customer of the partner."""
    owner = owner or await business(principal)
    values: dict[str, object] = {"display_name": "Noodle Bar", "mcc": "5812", "city": "Shanghai", "country": "CN"}
    values.update(overrides)
    return await create_merchant(principal=principal, customer_id=owner.customer_id,
                                 settlement_wallet_id=owner.wallet_id, **values)  # type: ignore[arg-type]


def customer_token(partner: Principal, customer_id: uuid.UUID, scopes: frozenset[str] | None = None) -> Principal:
    """A delegated customer token of the partner's customer."""
    return Principal(kind="customer", subject=partner.subject, partner_id=partner.partner_id, customer_id=customer_id,
                     scopes=scopes or frozenset({"customers:read", "customers:write", "transactions:read", "transactions:write"}))


def staff(role: str = "support") -> Principal:
    """A bank staff principal in the role."""
    return Principal(kind="staff", subject=str(uuid.uuid4()), partner_id=None, scopes=permissions_of(role), role=role,
                     environment=None)
