"""Consents and offers through the API (tests/api): documents, an offer of a partner and a consenting customer."""

from __future__ import annotations

from typing import Any

from tests.factories import GraphQLClient

OFFER_FIELDS = ("id issuer partnerId title description product couponCampaignId priority status startsAt endsAt"
                " frequencyCap { maxImpressions periodDays } minSpend { amount { amount currency } categories days }"
                " kycTierMin kycTierMax countries noCardLinked version createdAt")
CONSENT_SET = ("mutation($input: CustomerConsentSetInput!) { customerConsentSet(input: $input) {"
               " consent { id customerId kind granted textVersion recordedAt } userErrors { code field } } }")
OFFER_CREATE = ("mutation($input: OfferInput!) { offerCreate(input: $input) {"
                f" offer {{ {OFFER_FIELDS} }} userErrors {{ code field }} }} }}")
OFFER_UPDATE = ("mutation($input: OfferInput!) { offerUpdate(input: $input) {"
                f" offer {{ {OFFER_FIELDS} }} userErrors {{ code field }} }} }}")
SETTINGS = ("mutation($input: PartnerOfferSettingsSetInput!) { partnerOfferSettingsSet(input: $input) {"
            " allowBankOffers userErrors { code field } } }")
EVENT = ("mutation($input: OfferEventRecordInput!) { offerEventRecord(input: $input) { kind recordedAt"
         " userErrors { code field } } }")
OFFERS = ("query($id: ID!) { offersForCustomer(customerId: $id) { rank reason reasonZh offer { id title issuer } } }")
REPORT = ("query($id: ID!) { offerReport(offerId: $id) { impressions clicks conversions customersReached clickRate"
          " conversionRate offer { id } } }")
CONSENTS = "query($id: ID!) { customer(id: $id) { consents { id kind granted textVersion } } }"
INSIGHTS = ("query($id: ID!, $from: DateTime!, $to: DateTime!) { spendingInsights(customerId: $id, from: $from, to: $to)"
            " { periodFrom periodTo previousFrom totals { currency total { amount currency } payments"
            " previousTotal { amount } change { amount } changePercent }"
            " byCategory { categoryCode categoryName total { amount } }"
            " byMerchant { merchantId merchantName categoryCode total { amount } }"
            " byMonth { month total { amount } previousTotal { amount } } } }")


async def consent(client: GraphQLClient, customer_id: str, granted: bool = True) -> dict[str, Any]:
    """customerConsentSet MARKETING; the consent (asserting no userErrors)."""
    body = await client.ok(CONSENT_SET, {"input": {"customerId": customer_id, "kind": "MARKETING", "granted": granted,
                                                   "textVersion": "2026-12"}})
    assert body["customerConsentSet"]["userErrors"] == [], body
    return body["customerConsentSet"]["consent"]


async def new_offer(client: GraphQLClient, **values: Any) -> dict[str, Any]:
    """offerCreate (a LOAN offer that started in 2020); the offer (asserting no userErrors)."""
    body = await client.ok(OFFER_CREATE, {"input": {"title": "Quick loan", "product": "LOAN",
                                                    "startsAt": "2020-01-01T00:00:00Z", **values}})
    assert body["offerCreate"]["userErrors"] == [], body
    return body["offerCreate"]["offer"]


async def offer_ids(client: GraphQLClient, customer_id: str) -> dict[str, str]:
    """An offer of the client's partner and a consent of its customer, for tests/api/test_nodes.py."""
    return {"Offer": (await new_offer(client))["id"], "CustomerConsent": (await consent(client, customer_id))["id"]}


async def matrix_event_input(client: GraphQLClient, customer_id: str) -> dict[str, Any]:
    """offerEventRecord's input: a CLICK on a fresh offer of the client's partner by its consenting customer."""
    await consent(client, customer_id)
    return {"input": {"offerId": (await new_offer(client))["id"], "customerId": customer_id, "kind": "CLICK"}}


async def matrix_bank_offer(client: GraphQLClient) -> str:
    """A bank offer to the client's partner's customers (written through the service as bank admin); its global ID."""
    import uuid

    from schema.common.relay import to_global_id
    from services.offers.admin import BANK
    from models import Offer, PartnerOfferSetting
    from services import clock

    await PartnerOfferSetting.get_or_create(partner_id=uuid.UUID(client.partner_id),
                                            defaults={"allow_bank_offers": True})
    await PartnerOfferSetting.filter(partner_id=uuid.UUID(client.partner_id)).update(allow_bank_offers=True)
    row = await Offer.create(partner_id=uuid.UUID(client.partner_id), issuer=BANK, title="Bank savings",
                             description="", product="SAVINGS", starts_at=clock.now(), created_by="test:matrix")
    return to_global_id("Offer", row.id)


# --- the permission matrix's targets (tests/api/test_permission_matrix.py): (world, caller) -> variables ----------


async def matrix_offer_create(w: Any, caller: str) -> dict[str, Any]:
    """offerCreate: a partner's own offer; bank admin's for A's customers (A allows bank offers)."""
    body: dict[str, Any] = {"title": "Matrix offer", "product": "SAVINGS", "startsAt": "2020-01-01T00:00:00Z"}
    if caller in ("admin", "compliance", "support", "analyst", "treasury"):
        import uuid

        from models import PartnerOfferSetting
        from schema.common.relay import to_global_id

        partner = uuid.UUID(w.a.partner_id)
        await PartnerOfferSetting.get_or_create(partner_id=partner, defaults={"allow_bank_offers": True})
        body["partnerId"] = to_global_id("Partner", partner)
    return {"input": body}


async def matrix_offer_update(w: Any, caller: str) -> dict[str, Any]:
    """offerUpdate: one of A's offers; for bank staff, a bank offer to A's customers."""
    if caller in ("admin", "compliance", "support", "analyst", "treasury"):
        return {"input": {"offerId": await matrix_bank_offer(w.a), "priority": 3}}
    return {"input": {"offerId": (await new_offer(w.a))["id"], "priority": 3}}


async def matrix_offer_report(w: Any, caller: str) -> dict[str, Any]:
    """offerReport: one of A's offers."""
    return {"o": (await new_offer(w.a))["id"]}


async def matrix_offer_event(w: Any, caller: str) -> dict[str, Any]:
    """offerEventRecord: a CLICK by A's consenting customer c1 on a fresh offer of A."""
    return await matrix_event_input(w.a, w.a_c1)
