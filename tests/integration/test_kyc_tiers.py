"""services.kyc.tiers: a reviewer grants only tiers of the customer's regional policy pack."""

from __future__ import annotations

import pytest

from models import Customer
from services.errors import ValidationFailed
from services.kyc.tiers import validate_tier
from tests.integration.service_support import holder, new_partner


async def test_a_tier_of_the_customers_pack_is_accepted(database_url):
    partner = await new_partner("tiers")
    chinese = await Customer.get(id=(await holder(partner, country="CN", tier=None)).customer_id)
    for tier in (1, 2, 3):
        await validate_tier(chinese, tier)


@pytest.mark.parametrize("country, jurisdiction", [("CN", "CN"), ("FR", "EU"), ("BR", "DEFAULT")])
async def test_a_tier_the_pack_does_not_define_is_refused_naming_the_packs_tiers(database_url, country, jurisdiction):
    partner = await new_partner("tiers")
    currency = {"CN": "CNY", "FR": "EUR", "BR": "BRL"}[country]
    customer = await Customer.get(id=(await holder(partner, country=country, currency=currency, tier=None)).customer_id)
    for tier in (0, 4, -1):
        with pytest.raises(ValidationFailed) as caught:
            await validate_tier(customer, tier)
        assert (caught.value.message, caught.value.field) == (f"the {jurisdiction} pack has tiers 1, 2, 3", ["tier"])
