"""Personalised offers and consents as GraphQL types: Offer, its target rules, ranked matches, reports, consents."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from services.consent.records import ConsentRecord
from services.offers.eligibility import OfferMatch as MatchRecord
from services.offers.records import OfferRecord, OfferReport as ReportRecord


@strawberry.enum(description="What a consent covers.")
class ConsentKind(Enum):
    MARKETING = strawberry.enum_value(
        "MARKETING", description="Personalised offers (offersForCustomer) and marketing: none without it.")
    PROFILING = strawberry.enum_value("PROFILING", description="Using the customer's spending to tailor what it sees.")
    THIRD_PARTY_SHARING = strawberry.enum_value(
        "THIRD_PARTY_SHARING", description="Sharing the customer's data with the partner's named third parties.")


@strawberry.enum(description="What an offer offers.")
class OfferProduct(Enum):
    SAVINGS = strawberry.enum_value("SAVINGS", description="A savings product.")
    CREDIT_CARD = strawberry.enum_value("CREDIT_CARD", description="A credit card.")
    LOAN = strawberry.enum_value("LOAN", description="A personal or business loan.")
    INSURANCE = strawberry.enum_value("INSURANCE", description="An insurance product.")
    COUPON = strawberry.enum_value("COUPON", description="A coupon (couponCampaignId names its campaign).")
    OTHER = strawberry.enum_value("OTHER", description="Anything else the description explains.")


@strawberry.enum(description="Whether an offer is shown.")
class OfferStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Shown to the customers it selects, between its dates.")
    PAUSED = strawberry.enum_value("PAUSED", description="Shown to nobody until set ACTIVE again (offerUpdate).")


@strawberry.enum(description="Who makes an offer.")
class OfferIssuer(Enum):
    PARTNER = strawberry.enum_value("PARTNER", description="The partner, to its own customers.")
    BANK = strawberry.enum_value(
        "BANK", description="The bank, its own product, to a partner's customers while the partner allows it.")


@strawberry.enum(description="What a customer did with an offer.")
class OfferEventKind(Enum):
    IMPRESSION = strawberry.enum_value("IMPRESSION", description="The offer was shown (counts against its cap).")
    CLICK = strawberry.enum_value("CLICK", description="The customer opened the offer.")
    CONVERSION = strawberry.enum_value("CONVERSION", description="The customer took the product or coupon up.")


@strawberry.type(description="Target rule: spent at least `amount` at merchants of these categories in the last days.")
class OfferMinSpend:
    amount: Money = strawberry.field(description="The least spending (payments less refunds) in this currency.")
    categories: list[str] = strawberry.field(description="Merchant category codes (ISO 18245), any of them counts.")
    days: int = strawberry.field(description="The window: the last this many days, up to now.")


@strawberry.type(description="An offer's frequency cap: at most maxImpressions per customer in any periodDays days.")
class OfferFrequencyCap:
    max_impressions: int = strawberry.field(description="Impressions per customer allowed in the period.")
    period_days: int = strawberry.field(description="The rolling period, in days.")


@strawberry.type(
    description="A personalised offer: what is offered to which of a partner's customers (its target rules; every"
    " rule given must hold), when, and how often. Customers without MARKETING consent never get one."
)
class Offer(Node):
    issuer: OfferIssuer = strawberry.field(description="PARTNER (its own) or BANK (the bank's product).")
    partner_id: strawberry.ID = strawberry.field(description="The partner whose customers it targets (a Partner ID).")
    title: str = strawberry.field(description="The offer's title as customers see it.")
    description: str = strawberry.field(description="The offer's text as customers see it (may be empty).")
    product: OfferProduct = strawberry.field(description="What is offered.")
    coupon_campaign_id: str | None = strawberry.field(
        description="The coupon campaign offered (its global ID, as given); null when none.")
    priority: int = strawberry.field(description="0 to 1000: higher ranks first in offersForCustomer.")
    status: OfferStatus = strawberry.field(description="ACTIVE or PAUSED.")
    starts_at: datetime = strawberry.field(description="Shown from (inclusive, UTC).")
    ends_at: datetime | None = strawberry.field(description="Shown until (exclusive, UTC); null: no end.")
    frequency_cap: OfferFrequencyCap | None = strawberry.field(description="The cap per customer; null: none.")
    min_spend: OfferMinSpend | None = strawberry.field(description="The spending rule; null: none.")
    kyc_tier_min: int | None = strawberry.field(description="Only customers of at least this KYC tier; null: any.")
    kyc_tier_max: int | None = strawberry.field(description="Only customers of at most this KYC tier; null: any.")
    countries: list[str] = strawberry.field(description="Only customers resident in these countries; empty: any.")
    no_card_linked: bool = strawberry.field(description="Only customers with no linked card.")
    version: int = strawberry.field(description="1 when created, +1 with every offerUpdate.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_record(cls, record: OfferRecord) -> Offer:
        """The GraphQL view of an offer."""
        min_spend = None
        if record.min_spend_minor is not None and record.min_spend_currency:
            min_spend = OfferMinSpend(amount=Money.of(record.min_spend_minor, record.min_spend_currency),
                                      categories=record.min_spend_mccs, days=record.min_spend_days or 0)
        cap = None
        if record.max_impressions is not None:
            cap = OfferFrequencyCap(max_impressions=record.max_impressions, period_days=record.cap_period_days or 0)
        return cls(
            id=to_global_id("Offer", record.id), issuer=OfferIssuer(record.issuer),
            partner_id=to_global_id("Partner", record.partner_id), title=record.title, description=record.description,
            product=OfferProduct(record.product), coupon_campaign_id=record.coupon_campaign_ref,
            priority=record.priority, status=OfferStatus(record.status), starts_at=record.starts_at,
            ends_at=record.ends_at, frequency_cap=cap, min_spend=min_spend, kyc_tier_min=record.kyc_tier_min,
            kyc_tier_max=record.kyc_tier_max, countries=record.countries, no_card_linked=record.no_card_linked,
            version=record.version, created_at=record.created_at,
        )


@strawberry.type(description="An offer a customer is eligible for now, its rank and why (to show the customer).")
class OfferMatch:
    offer: Offer = strawberry.field(permission_classes=requires("customers:read"),
                                    description="The offer the customer is eligible for.")
    rank: int = strawberry.field(description="1 for the best: by priority, then by how many rules it matched.")
    reason: str = strawberry.field(description="Why the customer sees it, in plain English.")
    reason_zh: str = strawberry.field(description="The same reason in Simplified Chinese (zh-CN).")

    @classmethod
    def from_record(cls, record: MatchRecord) -> OfferMatch:
        """The GraphQL view of a match."""
        return cls(offer=Offer.from_record(record.offer), rank=record.rank, reason=record.reason_en,
                   reason_zh=record.reason_zh)


@strawberry.type(description="An offer's engagement: counts of its events and rates per impression.")
class OfferReport:
    offer: Offer = strawberry.field(permission_classes=requires("customers:read"),
                                    description="The offer reported on.")
    impressions: int = strawberry.field(description="Times it was shown.")
    clicks: int = strawberry.field(description="Times it was opened.")
    conversions: int = strawberry.field(description="Times it was taken up.")
    customers_reached: int = strawberry.field(description="Distinct customers it was shown to.")
    click_rate: float | None = strawberry.field(description="clicks / impressions (4 decimals); null before any.")
    conversion_rate: float | None = strawberry.field(
        description="conversions / impressions (4 decimals); null before any impression.")

    @classmethod
    def from_record(cls, record: ReportRecord) -> OfferReport:
        """The GraphQL view of a report."""
        return cls(offer=Offer.from_record(record.offer), impressions=record.impressions, clicks=record.clicks,
                   conversions=record.conversions, customers_reached=record.customers_reached,
                   click_rate=record.click_rate, conversion_rate=record.conversion_rate)


@strawberry.type(description="One consent decision of a customer (append-only): the newest per kind is in force.")
class CustomerConsent(Node):
    customer_id: strawberry.ID = strawberry.field(description="The customer (a Customer ID).")
    kind: ConsentKind = strawberry.field(description="What the consent covers.")
    granted: bool = strawberry.field(description="true: granted; false: withdrawn (in force at once).")
    text_version: str = strawberry.field(description="The version of the consent text the customer was shown.")
    recorded_at: datetime = strawberry.field(description="When it was recorded (UTC).")

    @classmethod
    def from_record(cls, record: ConsentRecord) -> CustomerConsent:
        """The GraphQL view of a consent decision."""
        return cls(id=to_global_id("CustomerConsent", record.id), customer_id=to_global_id("Customer", record.customer_id),
                   kind=ConsentKind(record.kind), granted=record.granted, text_version=record.text_version,
                   recorded_at=record.recorded_at)
