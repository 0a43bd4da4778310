"""Consents and personalised offers on a real database: no offer without MARKETING consent, a withdrawal removes
them at once, each target rule, bank offers only where the partner allows, frequency caps, the report."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from models import Card, CustomerConsent, DomainEvent, Offer, OfferEvent
from models.funding import CardStatus
from services import clock
from services.consent.records import current_consents, has_granted, set_consent
from services.errors import (
    BankOffersNotAllowed, ConsentRequired, Forbidden, FrequencyCapReached, InvalidAmount, NotFound, OfferNotEligible,
    ValidationFailed,
)
from services.offers.admin import create_offer, set_offer_settings, update_offer
from services.offers.eligibility import offers_for_customer
from services.offers.engagement import offer_report, record_offer_event
from services.offers.terms import MinSpend, OfferTerms
from tests.integration.insights_support import paid_at, shoppers
from tests.integration.merchant_support import customer_token, staff
from tests.integration.service_support import holder, new_partner

T0 = datetime(2032, 6, 1, 9, 0, tzinfo=timezone.utc)


def _terms(**values) -> OfferTerms:
    return OfferTerms(**{"title": "Travel card", "product": "CREDIT_CARD", "starts_at": T0 - timedelta(days=1),
                         **values})


async def _titles(partner, customer_id) -> list[str]:
    return [m.offer.title for m in await offers_for_customer(principal=partner, customer_id=customer_id)]


async def test_no_offer_without_consent_and_a_withdrawal_removes_them_at_once(database_url):
    partner = await new_partner("off")
    customer = await holder(partner)
    with clock.frozen_at(T0) as move:
        await create_offer(principal=partner, terms=_terms())
        assert await _titles(partner, customer.customer_id) == []  # never decided: no consent
        with pytest.raises(ConsentRequired):
            offer = await Offer.filter(partner_id=partner.partner_id).first()
            await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id,
                                     kind="IMPRESSION")
        await set_consent(principal=partner, customer_id=customer.customer_id, kind="MARKETING", granted=True,
                          text_version="v1")
        matches = await offers_for_customer(principal=partner, customer_id=customer.customer_id)
        assert [m.offer.title for m in matches] == ["Travel card"]
        assert matches[0].rank == 1 and matches[0].reason_en == "An offer for all customers."
        move(T0 + timedelta(seconds=1))
        own = customer_token(partner, customer.customer_id)
        await set_consent(principal=own, customer_id=customer.customer_id, kind="MARKETING", granted=False,
                          text_version="v1")
        assert await _titles(partner, customer.customer_id) == []  # at once: nothing cached
        with pytest.raises(ConsentRequired):
            await record_offer_event(principal=own, offer_id=offer.id, customer_id=customer.customer_id, kind="CLICK")
    # Append-only: both decisions are kept; the newest is in force.
    assert await CustomerConsent.filter(customer_id=customer.customer_id).count() == 2
    current = await current_consents(customer.customer_id)
    assert [(c.kind, c.granted, c.text_version) for c in current] == [("MARKETING", False, "v1")]
    events = await DomainEvent.filter(type="consent.changed", object_id=str(customer.customer_id)).order_by("id")
    assert [e.payload["consentStatus"] for e in events] == ["GRANTED", "WITHDRAWN"]
    assert not await has_granted(customer.customer_id)


async def test_consent_bad_input_and_another_partner(database_url):
    partner, other = await new_partner("off"), await new_partner("off")
    customer = await holder(partner)
    bad = [dict(kind="SPAM", granted=True, text_version="v1"), dict(kind="MARKETING", granted="yes", text_version="v1"),
           dict(kind="MARKETING", granted=True, text_version=" "),
           dict(kind="MARKETING", granted=True, text_version="v" * 65)]
    for values in bad:
        with pytest.raises(ValidationFailed):
            await set_consent(principal=partner, customer_id=customer.customer_id, **values)
    with pytest.raises(NotFound):
        await set_consent(principal=other, customer_id=customer.customer_id, kind="MARKETING", granted=True,
                          text_version="v1")
    assert await CustomerConsent.filter(customer_id=customer.customer_id).count() == 0


async def test_each_target_rule_selects_and_explains(database_url):
    world = await shoppers(country="CN", tier=2)
    partner, payer = world.partner, world.payer.customer_id
    await set_consent(principal=partner, customer_id=payer, kind="MARKETING", granted=True, text_version="v2")
    with clock.frozen_at(T0):
        await create_offer(principal=partner, terms=_terms(title="CN only", countries=["cn"]))
        await create_offer(principal=partner, terms=_terms(title="US only", countries=["US"]))
        await create_offer(principal=partner, terms=_terms(title="Tier 2-3", kyc_tier_min=2, kyc_tier_max=3))
        await create_offer(principal=partner, terms=_terms(title="Tier 4+", kyc_tier_min=4))
        await create_offer(principal=partner, terms=_terms(title="No card", no_card_linked=True, priority=5))
        travel = MinSpend(amount="2000.00", currency="CNY", mccs=["4511", "4722"], days=30)
        await create_offer(principal=partner, terms=_terms(title="Big traveller", min_spend=travel, priority=10))
        assert await _titles(partner, payer) == ["No card", "Tier 2-3", "CN only"]
        await paid_at(world, world.payer, world.airline, "2100.00", T0 - timedelta(days=2))
        await paid_at(world, world.payer, world.airline, "900.00", T0 - timedelta(days=45))  # outside the 30 days
        matches = await offers_for_customer(principal=partner, customer_id=payer)
        assert [m.offer.title for m in matches] == ["Big traveller", "No card", "Tier 2-3", "CN only"]
        assert matches[0].reason_en.startswith("Because you spent 2100.00 CNY on Airlines")
        assert matches[0].reason_en.endswith("in the last 30 days.") and "2100.00 CNY" in matches[0].reason_zh
        assert matches[1].reason_en == "Because you have not linked a card yet."
        await Card.create(partner_id=partner.partner_id, customer_id=payer, processor_token="tok", brand="VISA",
                          last_four="4242", expiry_month=12, expiry_year=2035, holder_name="Holder",
                          status=CardStatus.ACTIVE)
        assert "No card" not in await _titles(partner, payer)


async def test_dates_status_and_updates(database_url):
    partner = await new_partner("off")
    customer = await holder(partner)
    await set_consent(principal=partner, customer_id=customer.customer_id, kind="MARKETING", granted=True,
                      text_version="v1")
    with clock.frozen_at(T0) as move:
        offer = await create_offer(principal=partner, terms=_terms(starts_at=T0 + timedelta(days=1),
                                                                   ends_at=T0 + timedelta(days=10)))
        assert await _titles(partner, customer.customer_id) == []  # not started
        move(T0 + timedelta(days=2))
        assert await _titles(partner, customer.customer_id) == ["Travel card"]
        paused = await update_offer(principal=partner, offer_id=offer.id, terms=OfferTerms(status="PAUSED"))
        assert (paused.status, paused.version) == ("PAUSED", 2)
        assert await _titles(partner, customer.customer_id) == []
        await update_offer(principal=partner, offer_id=offer.id, terms=OfferTerms(status="ACTIVE"))
        move(T0 + timedelta(days=10))
        assert await _titles(partner, customer.customer_id) == []  # ended (endsAt is exclusive)
        with pytest.raises(OfferNotEligible):
            await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id,
                                     kind="IMPRESSION")
    events = await DomainEvent.filter(object_id=str(offer.id)).order_by("id")
    assert [(e.type, e.payload["offerVersion"]) for e in events] == [("offer.created", 1), ("offer.updated", 2),
                                                                      ("offer.updated", 3)]


async def test_bad_offer_terms_change_nothing(database_url):
    partner, other = await new_partner("off"), await new_partner("off")
    offer = await create_offer(principal=partner, terms=_terms())
    bad = [
        (ValidationFailed, _terms(title=None)), (ValidationFailed, _terms(product="TOASTER")),
        (ValidationFailed, _terms(countries=["XX"])), (ValidationFailed, _terms(countries=[])),
        (ValidationFailed, _terms(kyc_tier_min=3, kyc_tier_max=1)), (ValidationFailed, _terms(kyc_tier_min=-1)),
        (ValidationFailed, _terms(ends_at=T0 - timedelta(days=2))),
        (ValidationFailed, _terms(max_impressions=3)), (ValidationFailed, _terms(max_impressions=0, cap_period_days=1)),
        (ValidationFailed, _terms(min_spend=MinSpend(amount="10.00", currency="CNY", mccs=["0000"], days=30))),
        (ValidationFailed, _terms(min_spend=MinSpend(amount="10.00", currency="CNY", mccs=["5812"], days=0))),
        (ValidationFailed, _terms(min_spend=MinSpend(amount="10.00", currency="XYZ", mccs=["5812"], days=3))),
        (InvalidAmount, _terms(min_spend=MinSpend(amount="10.001", currency="CNY", mccs=["5812"], days=3))),
        (ValidationFailed, _terms(priority=1001)), (ValidationFailed, _terms(title="x" * 101)),
    ]
    for error, terms in bad:
        with pytest.raises(error):
            await create_offer(principal=partner, terms=terms)
    with pytest.raises(NotFound):
        await update_offer(principal=other, offer_id=offer.id, terms=OfferTerms(title="Mine now"))
    with pytest.raises(ValidationFailed):
        await update_offer(principal=partner, offer_id=offer.id, terms=OfferTerms(clear=frozenset({"EVERYTHING"})))
    with pytest.raises(Forbidden):
        await create_offer(principal=customer_token(partner, (await holder(partner)).customer_id), terms=_terms())
    with pytest.raises(Forbidden):
        await create_offer(principal=staff("support"), terms=_terms(), partner_id=partner.partner_id)
    assert await Offer.filter(partner_id=partner.partner_id).count() == 1
    assert (await Offer.get(id=offer.id)).version == 1


async def test_bank_offers_only_where_the_partner_allows(database_url):
    partner = await new_partner("off")
    customer = await holder(partner)
    await set_consent(principal=partner, customer_id=customer.customer_id, kind="MARKETING", granted=True,
                      text_version="v1")
    admin = staff("admin")
    with clock.frozen_at(T0):
        with pytest.raises(BankOffersNotAllowed):
            await create_offer(principal=admin, terms=_terms(title="Bank savings", product="SAVINGS"),
                               partner_id=partner.partner_id)
        with pytest.raises(ValidationFailed):
            await create_offer(principal=admin, terms=_terms(title="Bank savings"))  # whose customers?
        assert await Offer.filter(partner_id=partner.partner_id).count() == 0
        await set_offer_settings(principal=partner, allow_bank_offers=True)
        offer = await create_offer(principal=admin, terms=_terms(title="Bank savings", product="SAVINGS"),
                                   partner_id=partner.partner_id)
        assert offer.issuer == "BANK"
        assert await _titles(partner, customer.customer_id) == ["Bank savings"]
        with pytest.raises(NotFound):  # a partner cannot change the bank's offer
            await update_offer(principal=partner, offer_id=offer.id, terms=OfferTerms(title="Ours"))
        await set_offer_settings(principal=partner, allow_bank_offers=False)
        assert await _titles(partner, customer.customer_id) == []  # hidden at once
        with pytest.raises(BankOffersNotAllowed):
            await update_offer(principal=admin, offer_id=offer.id, terms=OfferTerms(priority=3))


async def test_frequency_cap_and_report(database_url):
    partner = await new_partner("off")
    customer, second = await holder(partner), await holder(partner)
    for who in (customer, second):
        await set_consent(principal=partner, customer_id=who.customer_id, kind="MARKETING", granted=True,
                          text_version="v1")
    with clock.frozen_at(T0) as move:
        offer = await create_offer(principal=partner, terms=_terms(max_impressions=2, cap_period_days=7))
        for _ in range(2):
            await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id,
                                     kind="IMPRESSION")
        with pytest.raises(FrequencyCapReached):
            await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id,
                                     kind="IMPRESSION")
        assert await _titles(partner, customer.customer_id) == []  # capped: not offered again this week
        assert await _titles(partner, second.customer_id) == ["Travel card"]
        await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id, kind="CLICK")
        await record_offer_event(principal=partner, offer_id=offer.id, customer_id=second.customer_id,
                                 kind="IMPRESSION")
        await record_offer_event(principal=customer_token(partner, customer.customer_id), offer_id=offer.id,
                                 customer_id=customer.customer_id, kind="CONVERSION")
        move(T0 + timedelta(days=7, seconds=1))  # the week has passed: shown again
        assert await _titles(partner, customer.customer_id) == ["Travel card"]
    report = await offer_report(principal=partner, offer_id=offer.id)
    assert (report.impressions, report.clicks, report.conversions, report.customers_reached) == (3, 1, 1, 2)
    assert (report.click_rate, report.conversion_rate) == (0.3333, 0.3333)
    assert (await offer_report(principal=staff("analyst"), offer_id=offer.id)).impressions == 3
    with pytest.raises(NotFound):
        await offer_report(principal=await new_partner("x"), offer_id=offer.id)
    with pytest.raises(Forbidden):
        await offer_report(principal=customer_token(partner, customer.customer_id), offer_id=offer.id)
    with pytest.raises(ValidationFailed):
        await record_offer_event(principal=partner, offer_id=offer.id, customer_id=customer.customer_id, kind="LIKE")
    assert await OfferEvent.filter(offer_id=offer.id).count() == 5
