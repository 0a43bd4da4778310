"""Impressions at once on PostgreSQL: 12 concurrent impressions of one customer under a cap of 3 record exactly 3."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from models import OfferEvent
from services import clock
from services.consent.records import set_consent
from services.errors import FrequencyCapReached
from services.offers.admin import create_offer
from services.offers.engagement import record_offer_event
from services.offers.terms import OfferTerms
from tests.conftest import requires_postgres
from tests.integration.service_support import holder, new_partner


@requires_postgres
async def test_concurrent_impressions_never_exceed_the_frequency_cap(database_url):
    partner = await new_partner("cap")
    customer = await holder(partner)
    at = datetime(2032, 7, 1, tzinfo=timezone.utc)
    await set_consent(principal=partner, customer_id=customer.customer_id, kind="MARKETING", granted=True,
                      text_version="v1")
    with clock.frozen_at(at):
        offer = await create_offer(principal=partner, terms=OfferTerms(
            title="Capped", product="LOAN", starts_at=at - timedelta(days=1), max_impressions=3, cap_period_days=1))

        async def attempt() -> bool:
            try:
                await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id,
                                         kind="IMPRESSION")
                return True
            except FrequencyCapReached:
                return False

        results = await asyncio.gather(*(attempt() for _ in range(12)))
    assert sum(results) == 3
    assert await OfferEvent.filter(offer_id=offer.id, kind="IMPRESSION").count() == 3
