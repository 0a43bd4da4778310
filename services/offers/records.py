"""What the offer services hand to the API layer: plain records (services.outcome.ServiceResult), never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models import Offer
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class OfferRecord(ServiceResult):
    """A personalised offer with its target rules."""

    audit_type = "Offer"
    id: uuid.UUID
    partner_id: uuid.UUID
    issuer: str
    title: str
    description: str
    product: str
    coupon_campaign_ref: str | None
    priority: int
    status: str
    starts_at: datetime
    ends_at: datetime | None
    max_impressions: int | None
    cap_period_days: int | None
    min_spend_minor: int | None
    min_spend_currency: str | None
    min_spend_mccs: list[str]
    min_spend_days: int | None
    kyc_tier_min: int | None
    kyc_tier_max: int | None
    countries: list[str]
    no_card_linked: bool
    version: int
    created_at: datetime

    @classmethod
    def of(cls, row: Offer, *, audited: bool = False) -> OfferRecord:
        """The record of a stored offer."""
        return cls(
            id=row.id, partner_id=row.partner_id, issuer=row.issuer, title=row.title,  # type: ignore[attr-defined]
            description=row.description, product=row.product, coupon_campaign_ref=row.coupon_campaign_ref,
            priority=row.priority, status=row.status, starts_at=row.starts_at, ends_at=row.ends_at,
            max_impressions=row.max_impressions, cap_period_days=row.cap_period_days,
            min_spend_minor=row.min_spend_minor, min_spend_currency=row.min_spend_currency,
            min_spend_mccs=row.min_spend_mccs.split(",") if row.min_spend_mccs else [],
            min_spend_days=row.min_spend_days, kyc_tier_min=row.kyc_tier_min, kyc_tier_max=row.kyc_tier_max,
            countries=row.countries.split(",") if row.countries else [], no_card_linked=row.no_card_linked,
            version=row.version, created_at=row.created_at, audited=audited,
        )


@dataclass(frozen=True, kw_only=True)
class OfferSettingRecord(ServiceResult):
    """A partner's offer settings."""

    audit_type = "Partner"
    id: uuid.UUID  # the partner's
    partner_id: uuid.UUID
    allow_bank_offers: bool


@dataclass(frozen=True, kw_only=True)
class OfferEventRecord(ServiceResult):
    """One recorded impression, click or conversion."""

    audit_type = "Offer"
    id: uuid.UUID  # the offer's: the audit row is about the offer
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    recorded_at: datetime


@dataclass(frozen=True)
class OfferReport:
    """An offer's engagement: counts per kind, distinct customers, and rates per impression."""

    offer: OfferRecord
    impressions: int
    clicks: int
    conversions: int
    customers_reached: int

    @property
    def click_rate(self) -> float | None:
        """Clicks per impression (None before the first impression)."""
        return round(self.clicks / self.impressions, 4) if self.impressions else None

    @property
    def conversion_rate(self) -> float | None:
        """Conversions per impression (None before the first impression)."""
        return round(self.conversions / self.impressions, 4) if self.impressions else None
