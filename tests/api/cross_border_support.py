"""International transfer objects of a partner, written through the services, for the permission matrix and others."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import Beneficiary, FxRate
from schema.common.relay import parse_global_id, to_global_id
from services import clock
from services.beneficiaries.creating import create_beneficiary
from services.cross_border.transfers import create_international_transfer
from services.fx.quotes import create_quote

_keys = iter(range(1, 10**6))


def partner_principal(partner_id: str) -> Principal:
    """The partner as its own API client would call (every partner scope)."""
    return Principal(kind="partner", subject="test:cross-border", partner_id=uuid.UUID(partner_id),
                     scopes=frozenset(PARTNER_SCOPES))


def _raw(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def stored_beneficiary(partner_id: str, customer_id: str, *, status: str = "ACTIVE") -> str:
    """An ACTIVE (or, written so, NEEDS_REVIEW) US beneficiary of the customer; its global ID."""
    made = await create_beneficiary(principal=partner_principal(partner_id), customer_id=_raw(customer_id),
                                    name="Matrix Payee", country="US", bic="CHASUS33", iban=None,
                                    account_number="123456789", address="1 Matrix Way")
    if status != "ACTIVE":
        await Beneficiary.filter(id=made.id).update(status=status)
    return to_global_id("Beneficiary", made.id)


async def fresh_quote(partner_id: str, sell: str = "1.00") -> str:
    """A partner quote selling CNY for USD (usable for any of its customers' CNY wallets); its global ID."""
    await FxRate.create(base_currency="CNY", quote_currency="USD", rate_e9=140_000_000, source="test",
                        as_of=clock.now(), created_by="test:cross-border")
    quote = await create_quote(principal=partner_principal(partner_id), sell_currency="CNY", buy_currency="USD",
                               sell_amount=sell)
    return to_global_id("FxQuote", quote.id)


async def stored_transfer(partner_id: str, customer_id: str, wallet_id: str) -> str:
    """An international transfer from the customer's funded CNY wallet; its global ID."""
    beneficiary = await stored_beneficiary(partner_id, customer_id)
    result = await create_international_transfer(
        principal=partner_principal(partner_id), from_wallet_id=_raw(wallet_id), beneficiary_id=_raw(beneficiary),
        quote_id=_raw(await fresh_quote(partner_id)), purpose_code="FAM", idempotency_key=f"xb-store-{next(_keys)}")
    assert result.transfer is not None
    return to_global_id("InternationalTransfer", result.transfer.id)
