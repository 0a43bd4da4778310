"""What the coupon services hand to the API layer: plain records (services.outcome.ServiceResult), never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models import Coupon, CouponCampaign
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class CampaignRecord(ServiceResult):
    """A coupon campaign, with how much of its budget discounts have used."""

    audit_type = "CouponCampaign"
    id: uuid.UUID
    partner_id: uuid.UUID | None
    name: str
    issuer: str
    issuer_merchant_id: uuid.UUID | None
    funding_wallet_id: uuid.UUID
    currency: str
    discount_kind: str
    amount_off_minor: int | None
    percent_off_bps: int | None
    max_discount_minor: int | None
    min_spend_minor: int
    merchant_ids: tuple[uuid.UUID, ...]
    mccs: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime
    budget_minor: int
    budget_used_minor: int
    per_customer_limit: int
    stackable: bool
    refund_rule: str
    claim_code: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: CouponCampaign, *, audited: bool = False) -> CampaignRecord:
        """The record of a stored campaign."""
        return cls(
            id=row.id, partner_id=row.partner_id, name=row.name, issuer=row.issuer,  # type: ignore[attr-defined]
            issuer_merchant_id=row.issuer_merchant_id, funding_wallet_id=row.funding_wallet_id,  # type: ignore[attr-defined]
            currency=row.currency, discount_kind=row.discount_kind, amount_off_minor=row.amount_off_minor,
            percent_off_bps=row.percent_off_bps, max_discount_minor=row.max_discount_minor,
            min_spend_minor=row.min_spend_minor, merchant_ids=tuple(uuid.UUID(m) for m in row.merchant_ids or ()),
            mccs=tuple(row.mccs or ()), valid_from=row.valid_from, valid_to=row.valid_to,
            budget_minor=row.budget_minor, budget_used_minor=row.budget_used_minor,
            per_customer_limit=row.per_customer_limit, stackable=row.stackable, refund_rule=row.refund_rule,
            claim_code=row.claim_code, created_at=row.created_at, audited=audited,
        )


@dataclass(frozen=True, kw_only=True)
class CouponRecord(ServiceResult):
    """One customer's coupon."""

    audit_type = "Coupon"
    id: uuid.UUID
    campaign_id: uuid.UUID
    customer_id: uuid.UUID
    partner_id: uuid.UUID
    status: str
    source: str
    payment_id: uuid.UUID | None
    discount_minor: int
    currency: str
    issued_at: datetime
    redeemed_at: datetime | None

    @classmethod
    def of(cls, row: Coupon, currency: str, *, audited: bool = False) -> CouponRecord:
        """The record of a stored coupon (currency: its campaign's)."""
        return cls(id=row.id, campaign_id=row.campaign_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
                   partner_id=row.partner_id, status=row.status, source=row.source,  # type: ignore[attr-defined]
                   payment_id=row.payment_id, discount_minor=row.discount_minor, currency=currency,
                   issued_at=row.issued_at, redeemed_at=row.redeemed_at, audited=audited)


@dataclass(frozen=True, kw_only=True)
class IssuedCoupons(ServiceResult):
    """What couponIssue did: the coupons issued, one per customer."""

    audit_type = "CouponCampaign"
    id: uuid.UUID  # the campaign
    partner_id: uuid.UUID | None
    coupons: tuple[CouponRecord, ...]
