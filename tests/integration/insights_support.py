"""A customer who paid merchants of two categories at chosen times, for the insights and offers tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from models import Payment
from services.ledger.posting import post_top_up
from services.merchants.records import MerchantRecord
from services.payment_requests.creation import create_payment_request
from services.payments.paying import pay
from tests.factories import next_id
from tests.integration.merchant_support import merchant_of
from tests.integration.service_support import Holder, holder, new_partner


@dataclass(frozen=True)
class Shoppers:
    partner: Principal
    payer: Holder
    other: Holder  # another customer of the same partner: its payments never count for payer
    restaurant: MerchantRecord  # MCC 5812
    airline: MerchantRecord  # MCC 4511


async def shoppers(*, country: str = "CN", tier: int = 3) -> Shoppers:
    """A partner, two funded customers and two merchants (a restaurant and an airline)."""
    partner = await new_partner("ins")
    payer, other = await holder(partner, country=country, tier=tier), await holder(partner)
    for wallet in (payer.wallet_id, other.wallet_id):
        await post_top_up(principal=partner, wallet_id=wallet, amount="20000.00", idempotency_key=next_id("it"))
    restaurant = await merchant_of(partner)
    airline = await merchant_of(partner, display_name="Sky Air", mcc="4511")
    return Shoppers(partner=partner, payer=payer, other=other, restaurant=restaurant, airline=airline)


async def paid_at(world: Shoppers, who: Holder, merchant: MerchantRecord, amount: str, at: datetime) -> uuid.UUID:
    """who pays merchant `amount` CNY; the payment is then dated `at` (payments take the system time); its id."""
    request = await create_payment_request(principal=world.partner, merchant_id=merchant.id, amount=amount,
                                           single_use=True)
    paid = await pay(principal=world.partner, from_wallet_id=who.wallet_id, qr_payload=request.payload, amount=None,
                     idempotency_key=next_id("ip"))
    await Payment.filter(id=paid.id).update(created_at=at)
    return paid.id
