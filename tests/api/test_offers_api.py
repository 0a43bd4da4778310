"""Consents, offers and spending insights over GraphQL: no offer without consent, a withdrawal removes them at once,
typed target rules, bank offers only where allowed, frequency caps, the report, and who may do what."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from schema.common.relay import to_global_id
from tests.api.offers_support import (
    CONSENT_SET, CONSENTS, EVENT, INSIGHTS, OFFER_CREATE, OFFER_UPDATE, OFFERS, REPORT, SETTINGS, consent, new_offer,
)
from tests.api.payment_support import pay, shop_and_payer
from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import error_codes
from tests.factories import next_id


async def _customer_of(client, wallet_id: str) -> str:
    data = await client.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet_id})
    return data["wallet"]["customer"]["id"]


async def test_offers_reach_only_consenting_customers_and_stop_at_once(clients):
    a, b = await clients.partner(), await clients.partner()
    customer = (await a.create_customer())["id"]
    offer = await new_offer(a, frequencyCap={"maxImpressions": 1, "periodDays": 30}, countries=["CN"])
    assert offer["frequencyCap"] == {"maxImpressions": 1, "periodDays": 30} and offer["issuer"] == "PARTNER"
    assert (await a.ok(OFFERS, {"id": customer}))["offersForCustomer"] == []
    refused = (await a.ok(EVENT, {"input": {"offerId": offer["id"], "customerId": customer, "kind": "IMPRESSION"}}))
    assert refused["offerEventRecord"]["userErrors"] == [{"code": "CONSENT_REQUIRED", "field": ["customerId"]}]
    granted = await consent(a, customer)
    assert granted["kind"] == "MARKETING" and granted["granted"] is True
    matches = (await a.ok(OFFERS, {"id": customer}))["offersForCustomer"]
    assert [(m["rank"], m["offer"]["id"]) for m in matches] == [(1, offer["id"])]
    assert matches[0]["reason"] == "Because you live in CN." and matches[0]["reasonZh"].startswith("因为")
    shown = (await a.ok(EVENT, {"input": {"offerId": offer["id"], "customerId": customer, "kind": "IMPRESSION"}}))
    assert shown["offerEventRecord"]["userErrors"] == [] and shown["offerEventRecord"]["kind"] == "IMPRESSION"
    again = (await a.ok(EVENT, {"input": {"offerId": offer["id"], "customerId": customer, "kind": "IMPRESSION"}}))
    assert again["offerEventRecord"]["userErrors"][0]["code"] == "FREQUENCY_CAP_REACHED"
    assert (await a.ok(OFFERS, {"id": customer}))["offersForCustomer"] == []  # capped
    session = await customer_session(a, customer, ["customers:read", "customers:write"])
    click = await session.ok(EVENT, {"input": {"offerId": offer["id"], "customerId": customer, "kind": "CLICK"}})
    assert click["offerEventRecord"]["userErrors"] == []
    report = (await a.ok(REPORT, {"id": offer["id"]}))["offerReport"]
    assert (report["impressions"], report["clicks"], report["customersReached"], report["clickRate"]) == (1, 1, 1, 1.0)
    assert error_codes(await session.gql(REPORT, {"id": offer["id"]})) == ["FORBIDDEN"]
    assert error_codes(await b.gql(REPORT, {"id": offer["id"]})) == ["NOT_FOUND"]
    # The customer's own app withdraws: no offer, and no event, from now on.
    await consent(session, customer, granted=False)
    second = await new_offer(a, title="Another")
    assert (await a.ok(OFFERS, {"id": customer}))["offersForCustomer"] == []
    late = await a.ok(EVENT, {"input": {"offerId": second["id"], "customerId": customer, "kind": "CLICK"}})
    assert late["offerEventRecord"]["userErrors"][0]["code"] == "CONSENT_REQUIRED"
    consents = (await a.ok(CONSENTS, {"id": customer}))["customer"]["consents"]
    assert [(c["kind"], c["granted"]) for c in consents] == [("MARKETING", False)]
    assert error_codes(await b.gql(OFFERS, {"id": customer})) == ["NOT_FOUND"]


async def test_offer_terms_bad_input_and_updates(clients, staff):  # noqa: F811
    a = await clients.partner()
    offer = await new_offer(a, minSpend={"amount": "2000.00", "currency": "CNY", "categories": ["4511"], "days": 30})
    assert offer["minSpend"] == {"amount": {"amount": "2000.00", "currency": "CNY"}, "categories": ["4511"], "days": 30}
    bad = [({"countries": ["ZZ"]}, "VALIDATION"), ({"kycTierMin": 5, "kycTierMax": 1}, "VALIDATION"),
           ({"minSpend": {"amount": "1.001", "currency": "CNY", "categories": ["4511"], "days": 3}}, "INVALID_AMOUNT"),
           ({"minSpend": {"amount": "1.00", "currency": "CNY", "categories": ["99x"], "days": 3}}, "VALIDATION"),
           ({"frequencyCap": {"maxImpressions": 0, "periodDays": 1}}, "VALIDATION"),
           ({"endsAt": "2019-01-01T00:00:00Z"}, "VALIDATION"), ({"title": ""}, "VALIDATION")]
    base = {"title": "X", "product": "LOAN", "startsAt": "2020-01-01T00:00:00Z"}
    for values, code in bad:
        payload = (await a.ok(OFFER_CREATE, {"input": {**base, **values}}))["offerCreate"]
        assert payload["offer"] is None and payload["userErrors"][0]["code"] == code, (values, payload)
    updated = (await a.ok(OFFER_UPDATE, {"input": {"offerId": offer["id"], "status": "PAUSED", "clear": ["MIN_SPEND"],
                                                   "priority": 7}}))["offerUpdate"]
    assert updated["userErrors"] == []
    assert (updated["offer"]["status"], updated["offer"]["minSpend"], updated["offer"]["priority"],
            updated["offer"]["version"]) == ("PAUSED", None, 7, 2)
    b = await clients.partner()
    hidden = (await b.ok(OFFER_UPDATE, {"input": {"offerId": offer["id"], "title": "B's"}}))["offerUpdate"]
    assert hidden["userErrors"][0]["code"] == "NOT_FOUND"
    # The bank's own offer: refused until the partner allows bank offers.
    admin = await staff("admin")
    bank = {**base, "title": "Bank card", "product": "CREDIT_CARD", "partnerId": to_global_id("Partner", uuid.UUID(a.partner_id))}
    refused = (await admin.ok(OFFER_CREATE, {"input": bank}))["offerCreate"]
    assert refused["userErrors"] == [{"code": "BANK_OFFERS_NOT_ALLOWED", "field": ["partnerId"]}]
    assert (await a.ok(SETTINGS, {"input": {"allowBankOffers": True}}))["partnerOfferSettingsSet"]["allowBankOffers"]
    created = (await admin.ok(OFFER_CREATE, {"input": bank}))["offerCreate"]
    assert created["userErrors"] == [] and created["offer"]["issuer"] == "BANK"


async def test_spending_insights_over_graphql(clients):
    a = await clients.partner()
    _, request, wallet = await shop_and_payer(a, a, amount="120.50")
    assert (await pay(a, wallet, next_id("pay"), qrPayload=request["payload"]))["userErrors"] == []
    customer = await _customer_of(a, wallet)
    now = datetime.now(timezone.utc)
    period = {"from": (now - timedelta(days=20)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}
    got = (await a.ok(INSIGHTS, {"id": customer, **period}))
    insights = got["spendingInsights"]
    assert insights["totals"] == [{"currency": "CNY", "total": {"amount": "120.50", "currency": "CNY"}, "payments": 1,
                                   "previousTotal": {"amount": "0.00"}, "change": {"amount": "120.50"},
                                   "changePercent": None}]
    assert insights["byCategory"][0]["categoryCode"] == "5812" and insights["byCategory"][0]["categoryName"]
    assert insights["byMerchant"][0]["merchantName"] == "Noodle Bar"
    assert sum(int(m["total"]["amount"].replace(".", "")) for m in insights["byMonth"]) == 12050
    bad = await a.gql(INSIGHTS, {"id": customer, "from": "2030-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"})
    assert error_codes(bad) == ["VALIDATION"]
    b = await clients.partner()
    assert error_codes(await b.gql(INSIGHTS, {"id": customer, "from": "2020-01-01T00:00:00Z",
                                              "to": "2021-01-01T00:00:00Z"})) == ["NOT_FOUND"]


async def test_consent_bad_input(clients):
    a = await clients.partner()
    customer = (await a.create_customer())["id"]
    payload = (await a.ok(CONSENT_SET, {"input": {"customerId": customer, "kind": "MARKETING", "granted": True,
                                                  "textVersion": "  "}}))["customerConsentSet"]
    assert payload["consent"] is None and payload["userErrors"][0]["code"] == "VALIDATION"
    assert (await a.ok(CONSENTS, {"id": customer}))["customer"]["consents"] == []
