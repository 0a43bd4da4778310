"""services.compliance.standing: a customer's standing, read in one query and remembered while changes are announced."""

from __future__ import annotations

import uuid

from models import Customer
from models.enums import ScreeningStatus
from services.caches import STANDINGS
from services.change_feed import reliable
from services.compliance.standing import Standing, forget_standing, standings
from tests.integration.service_support import holder, new_partner


async def test_the_standing_of_several_customers_in_one_call(database_url):
    partner = await new_partner("standing")
    cn = await holder(partner, country="CN", tier=2)
    us = await holder(partner, country="US", currency="USD", tier=None, kind="BUSINESS")
    found = await standings([cn.customer_id, us.customer_id])
    assert found == {
        cn.customer_id: Standing(cn.customer_id, "CN", "INDIVIDUAL", 2, "CLEAR"),
        us.customer_id: Standing(us.customer_id, "US", "BUSINESS", 0, "CLEAR"),
    }


async def test_an_unknown_customer_is_simply_missing(database_url):
    assert await standings([uuid.uuid4()]) == {}
    assert await standings([]) == {}


async def test_a_silent_change_is_seen_once_the_memory_is_forgotten(database_url):
    partner = await new_partner("standing")
    someone = await holder(partner, tier=1)
    before = (await standings([someone.customer_id]))[someone.customer_id]
    assert (before.kyc_tier, someone.customer_id in STANDINGS) == (1, reliable())
    # Changed in the database without an announcement: a process that remembers still answers the old standing.
    await Customer.filter(id=someone.customer_id).update(kyc_tier=3, screening_status=ScreeningStatus.HOLD)
    again = (await standings([someone.customer_id]))[someone.customer_id]
    assert (again.kyc_tier, again.screening_status) == ((1, "CLEAR") if reliable() else (3, "HOLD"))
    forget_standing()
    assert someone.customer_id not in STANDINGS
    fresh = (await standings([someone.customer_id]))[someone.customer_id]
    assert (fresh.kyc_tier, fresh.screening_status) == (3, "HOLD")
