"""Which KYC tiers a reviewer may grant: the tiers of the customer's regional policy pack."""

from __future__ import annotations

from models import Customer
from services.compliance.policies import pack_for_country
from services.errors import ValidationFailed


async def validate_tier(customer: Customer, tier: int) -> None:
    """Refuse a tier that the customer's policy pack does not define."""
    pack = await pack_for_country(customer.country)
    if not pack.has_tier(tier):
        numbers = ", ".join(str(t.tier) for t in pack.tiers)
        raise ValidationFailed(f"the {pack.jurisdiction} pack has tiers {numbers}", field=["tier"])
