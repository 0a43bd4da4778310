"""Consents and personalised offers: customerConsentSet, offerCreate/offerUpdate, partnerOfferSettingsSet,
offerEventRecord, offersForCustomer and offerReport."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import partner_scope_or_staff, requires, requires_partner
from schema.common.relay import global_id_to_uuid
from schema.common.scalars import Decimal
from schema.offers.types import (
    ConsentKind, CustomerConsent, Offer, OfferEventKind, OfferMatch, OfferProduct, OfferReport, OfferStatus,
)
from services.consent import records as consents
from services.errors import NotFound
from services.offers import admin, eligibility, engagement
from services.offers.terms import MinSpend, OfferTerms

_REFUSALS = "Why nothing changed; empty on success."
# A partner manages its own offers with customers:write (its own token); bank staff need fees:write (admin).
_MANAGE = partner_scope_or_staff("customers:write", "fees:write")


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    """A raw id from a global ID of the type; NOT_FOUND for a malformed or other-type ID."""
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


@strawberry.input(description="A customer's consent decision.")
class CustomerConsentSetInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a customer token: itself).")
    kind: ConsentKind = strawberry.field(description="What the consent covers.")
    granted: bool = strawberry.field(description="true to grant, false to withdraw (in force at once).")
    text_version: str = strawberry.field(description="The version of the consent text shown (1 to 64 characters).")


@strawberry.type(description="The decision recorded, or why nothing was.")
class CustomerConsentSetPayload:
    consent: CustomerConsent | None = strawberry.field(description="The decision; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(description=f"{_REFUSALS} VALIDATION or NOT_FOUND.")


@strawberry.input(description="Target rule: spent at least `amount` at merchants of these categories in the last days.")
class OfferMinSpendInput:
    amount: Decimal = strawberry.field(description='A positive decimal string, e.g. "2000.00".')  # type: ignore[valid-type]
    currency: str = strawberry.field(description="An ISO 4217 currency the bank offers.")
    categories: list[str] = strawberry.field(description="1 to 20 known merchant category codes (ISO 18245).")
    days: int = strawberry.field(description="The window: the last 1 to 366 days.")


@strawberry.input(description="A frequency cap: at most maxImpressions per customer in any periodDays days.")
class OfferFrequencyCapInput:
    max_impressions: int = strawberry.field(description="1 to 1000.")
    period_days: int = strawberry.field(description="1 to 366.")


@strawberry.enum(description="A rule offerUpdate removes.")
class OfferRule(Enum):
    MIN_SPEND = strawberry.enum_value("MIN_SPEND", description="The spending rule.")
    KYC_TIER = strawberry.enum_value("KYC_TIER", description="The KYC tier range.")
    COUNTRIES = strawberry.enum_value("COUNTRIES", description="The countries.")
    CAP = strawberry.enum_value("CAP", description="The frequency cap.")
    END = strawberry.enum_value("END", description="The end date.")


@strawberry.input(description="An offer's terms. offerCreate needs title, product and startsAt; on offerUpdate only"
                  " the terms given change.")
class OfferInput:
    offer_id: strawberry.ID | None = strawberry.field(default=None, description="offerUpdate: the offer to change.")
    partner_id: strawberry.ID | None = strawberry.field(
        default=None, description="offerCreate by bank staff: the partner whose customers see the bank's offer (it"
        " must allow bank offers: BANK_OFFERS_NOT_ALLOWED). A partner leaves it out (its own customers).")
    title: str | None = strawberry.field(default=None, description="1 to 100 characters.")
    description: str | None = strawberry.field(default=None, description="Up to 500 characters.")
    product: OfferProduct | None = strawberry.field(default=None, description="What is offered.")
    coupon_campaign_id: str | None = strawberry.field(
        default=None, description="The coupon campaign offered (its global ID), when product is COUPON.")
    priority: int | None = strawberry.field(default=None, description="0 to 1000 (default 0): higher ranks first.")
    status: OfferStatus | None = strawberry.field(default=None, description="ACTIVE (default) or PAUSED.")
    starts_at: datetime | None = strawberry.field(default=None, description="Shown from (inclusive).")
    ends_at: datetime | None = strawberry.field(default=None, description="Shown until (exclusive); after startsAt.")
    frequency_cap: OfferFrequencyCapInput | None = strawberry.field(default=None, description="The cap per customer.")
    min_spend: OfferMinSpendInput | None = strawberry.field(default=None, description="The spending rule.")
    kyc_tier_min: int | None = strawberry.field(default=None, description="Only customers of at least this tier (0-9).")
    kyc_tier_max: int | None = strawberry.field(default=None, description="Only customers of at most this tier (0-9).")
    countries: list[str] | None = strawberry.field(
        default=None, description="Only customers resident in these 1 to 20 countries (ISO 3166-1 alpha-2).")
    no_card_linked: bool | None = strawberry.field(default=None, description="Only customers with no linked card.")
    clear: list[OfferRule] | None = strawberry.field(default=None, description="offerUpdate: rules to remove.")


@strawberry.type(description="The offer as stored, or why nothing changed.")
class OfferPayload:
    offer: Offer | None = strawberry.field(description="The offer; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} VALIDATION, INVALID_AMOUNT (minSpend), BANK_OFFERS_NOT_ALLOWED or NOT_FOUND.")


@strawberry.input(description="Whether the bank may offer its own products to your customers.")
class PartnerOfferSettingsSetInput:
    allow_bank_offers: bool = strawberry.field(description="true: the bank's offers may reach your customers.")


@strawberry.type(description="The settings as stored, or why nothing changed.")
class PartnerOfferSettingsPayload:
    allow_bank_offers: bool | None = strawberry.field(description="The setting; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(description=f"{_REFUSALS} VALIDATION.")


@strawberry.input(description="What a customer did with an offer.")
class OfferEventRecordInput:
    offer_id: strawberry.ID = strawberry.field(description="The offer (one to your customers).")
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a customer token: itself).")
    kind: OfferEventKind = strawberry.field(description="IMPRESSION, CLICK or CONVERSION.")


@strawberry.type(description="The event recorded, or why nothing was.")
class OfferEventRecordPayload:
    kind: OfferEventKind | None = strawberry.field(description="The kind recorded; null when userErrors is not empty.")
    recorded_at: datetime | None = strawberry.field(description="When (UTC); null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description=f"{_REFUSALS} CONSENT_REQUIRED, OFFER_NOT_ELIGIBLE, FREQUENCY_CAP_REACHED, VALIDATION or NOT_FOUND.")


def _terms(input: OfferInput) -> OfferTerms:
    """The service's terms from the input."""
    spend = input.min_spend
    cap = input.frequency_cap
    return OfferTerms(
        title=input.title, description=input.description, product=input.product,
        coupon_campaign_id=input.coupon_campaign_id, priority=input.priority, status=input.status,
        starts_at=input.starts_at, ends_at=input.ends_at,
        max_impressions=cap.max_impressions if cap else None, cap_period_days=cap.period_days if cap else None,
        min_spend=MinSpend(amount=spend.amount, currency=spend.currency, mccs=list(spend.categories),
                           days=spend.days) if spend else None,
        kyc_tier_min=input.kyc_tier_min, kyc_tier_max=input.kyc_tier_max, countries=input.countries,
        no_card_linked=input.no_card_linked, clear=frozenset(r.value for r in (input.clear or [])),
    )


@strawberry.type
class OfferQueries:
    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="The offers your customer is eligible for now, best first (at most 20), each with a reason to"
        " show it. Empty unless the customer's MARKETING consent is in force: a withdrawal empties it at once."
        " NOT_FOUND error for a customer you may not see.",
    )
    async def offers_for_customer(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer (a Customer ID).")],
    ) -> list[OfferMatch]:
        matches = await eligibility.offers_for_customer(principal=info.context.principal,
                                                        customer_id=global_id_to_uuid(customer_id, "Customer"))
        return [OfferMatch.from_record(match) for match in matches]

    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="An offer's engagement: impressions, clicks, conversions, customers reached and rates. The"
        " partner whose customers it targets, or bank staff (a customer token is refused: FORBIDDEN).",
    )
    async def offer_report(
        self, info: Info, offer_id: Annotated[strawberry.ID, strawberry.argument(description="The offer to report on (an Offer ID).")],
    ) -> OfferReport:
        report = await engagement.offer_report(principal=info.context.principal,
                                               offer_id=global_id_to_uuid(offer_id, "Offer"))
        return OfferReport.from_record(report)


@strawberry.type
class OfferMutations:
    @strawberry.mutation(
        permission_classes=requires("customers:write"),
        description="Record a customer's consent decision (append-only, with the time and the text version): a grant,"
        " or a withdrawal in force at once. Audited; consent.changed.",
    )
    async def customer_consent_set(
        self, info: Info,
        input: Annotated[CustomerConsentSetInput, strawberry.argument(description="The decision.")],
    ) -> CustomerConsentSetPayload:
        async def run() -> Any:
            return await consents.set_consent(
                principal=info.context.principal, customer_id=_id(input.customer_id, "Customer", "customerId"),
                kind=input.kind, granted=input.granted, text_version=input.text_version, audit=audit_note(info))

        record, errors = await attempt(info, run())
        return CustomerConsentSetPayload(consent=CustomerConsent.from_record(record) if record else None,
                                         user_errors=errors)

    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="Create an offer: a partner's to its own customers (its token, customers:write), or the bank's"
        " product to one partner's customers (staff with fees:write; the partner must allow it). Audited;"
        " offer.created.",
    )
    async def offer_create(
        self, info: Info, input: Annotated[OfferInput, strawberry.argument(description="The offer's terms.")],
    ) -> OfferPayload:
        async def run() -> Any:
            return await admin.create_offer(principal=info.context.principal, terms=_terms(input),
                                            partner_id=_id(input.partner_id, "Partner", "partnerId"),
                                            audit=audit_note(info))

        record, errors = await attempt(info, run())
        return OfferPayload(offer=Offer.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="Change an offer's terms (its version rises): a partner its own offers, bank staff (fees:write)"
        " the bank's. Audited; offer.updated.",
    )
    async def offer_update(
        self, info: Info, input: Annotated[OfferInput, strawberry.argument(description="offerId and the terms.")],
    ) -> OfferPayload:
        async def run() -> Any:
            return await admin.update_offer(principal=info.context.principal,
                                            offer_id=_id(input.offer_id, "Offer", "offerId"), terms=_terms(input),
                                            audit=audit_note(info))

        record, errors = await attempt(info, run())
        return OfferPayload(offer=Offer.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires_partner("customers:write"),
        description="Allow or stop the bank's own offers to your customers (the partner's own token). Stopping hides"
        " the bank's offers at once. Audited.",
    )
    async def partner_offer_settings_set(
        self, info: Info,
        input: Annotated[PartnerOfferSettingsSetInput, strawberry.argument(description="The setting.")],
    ) -> PartnerOfferSettingsPayload:
        async def run() -> Any:
            return await admin.set_offer_settings(principal=info.context.principal,
                                                  allow_bank_offers=input.allow_bank_offers, audit=audit_note(info))

        record, errors = await attempt(info, run())
        return PartnerOfferSettingsPayload(allow_bank_offers=record.allow_bank_offers if record else None,
                                           user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("customers:write"),
        description="Record an impression, click or conversion of an offer by your customer: only with its MARKETING"
        " consent in force, and an impression only while the offer selects the customer and within its frequency"
        " cap. Audited.",
    )
    async def offer_event_record(
        self, info: Info, input: Annotated[OfferEventRecordInput, strawberry.argument(description="The offer, the customer and what it did.")],
    ) -> OfferEventRecordPayload:
        async def run() -> Any:
            return await engagement.record_offer_event(
                principal=info.context.principal, offer_id=_id(input.offer_id, "Offer", "offerId"),
                customer_id=_id(input.customer_id, "Customer", "customerId"), kind=input.kind,
                audit=audit_note(info))

        record, errors = await attempt(info, run())
        return OfferEventRecordPayload(kind=OfferEventKind(record.kind) if record else None,
                                       recorded_at=record.recorded_at if record else None, user_errors=errors)
