"""Coupon campaigns as GraphQL types: CouponCampaign, Coupon, and the enums of their closed sets."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.coupons.records import CampaignRecord, CouponRecord


@strawberry.enum(description="Who issues a coupon campaign (and so whose money funds it, unless fundingWalletId says).")
class CouponIssuer(Enum):
    BANK = strawberry.enum_value("BANK", description="The bank itself (staff): for every partner's customers.")
    PARTNER = strawberry.enum_value("PARTNER", description="A partner, for its own customers.")
    MERCHANT = strawberry.enum_value("MERCHANT", description="One of a partner's merchants (issuerMerchantId),"
                                     " funded from its settlement wallet by default.")


@strawberry.enum(description="How a coupon's discount is computed.")
class CouponDiscountKind(Enum):
    FIXED = strawberry.enum_value("FIXED", description="A fixed amount off (amountOff).")
    PERCENTAGE = strawberry.enum_value("PERCENTAGE", description="Basis points of the amount off (percentOffBps,"
                                       " rounded down to the minor unit), capped by maxDiscount if given.")


@strawberry.enum(description="What a full refund of a discounted payment does to its coupon. Either way every refund"
                 " gives the refunded share of the discount back to the campaign's budget (not to the payer).")
class CouponRefundRule(Enum):
    RESTORE = strawberry.enum_value("RESTORE", description="The coupon becomes ISSUED (usable) again once its payment"
                                    " is refunded in full.")
    FORFEIT = strawberry.enum_value("FORFEIT", description="The coupon is FORFEITED once its payment is refunded in"
                                    " full: it stays used and still counts against the per-customer limit.")


@strawberry.enum(description="A coupon's state.")
class CouponStatus(Enum):
    ISSUED = strawberry.enum_value("ISSUED", description="Held by the customer and usable (paymentCreate couponIds).")
    REDEEMED = strawberry.enum_value("REDEEMED", description="Used by a payment (Coupon.paymentId).")
    FORFEITED = strawberry.enum_value("FORFEITED", description="Its payment was refunded in full under a FORFEIT rule.")


@strawberry.enum(description="Why COUPON_NOT_APPLICABLE: the first rule of the coupon's campaign the request breaks.")
class CouponNotApplicableReason(Enum):
    OUTSIDE_WINDOW = strawberry.enum_value("OUTSIDE_WINDOW", description="Before validFrom or from validTo on.")
    BELOW_MINIMUM_SPEND = strawberry.enum_value("BELOW_MINIMUM_SPEND", description="The amount is below minimumSpend.")
    MERCHANT_EXCLUDED = strawberry.enum_value("MERCHANT_EXCLUDED", description="The merchant (or its category) is not"
                                              " among the campaign's merchantIds (mccs).")
    CURRENCY_MISMATCH = strawberry.enum_value("CURRENCY_MISMATCH", description="The payment is in another currency"
                                              " than the campaign's.")
    CUSTOMER_LIMIT_REACHED = strawberry.enum_value("CUSTOMER_LIMIT_REACHED", description="The customer has used (or,"
                                                   " for couponClaim, holds) perCustomerLimit coupons of the campaign.")
    BUDGET_EXHAUSTED = strawberry.enum_value("BUDGET_EXHAUSTED", description="What remains of the campaign's budget"
                                             " cannot fund the discount.")
    NOT_STACKABLE = strawberry.enum_value("NOT_STACKABLE", description="A coupon of a campaign that is not stackable"
                                          " combined with points or another coupon (or two coupons of one campaign).")
    ALREADY_USED = strawberry.enum_value("ALREADY_USED", description="The coupon is not ISSUED any more.")
    NOT_CLAIMABLE = strawberry.enum_value("NOT_CLAIMABLE", description="Reserved: the campaign takes no claims.")


@strawberry.type(description="Which coupon was refused and why (with userErrors' COUPON_NOT_APPLICABLE).")
class CouponRefusal:
    reason: CouponNotApplicableReason = strawberry.field(description="The rule broken.")
    coupon_id: strawberry.ID | None = strawberry.field(description="The coupon refused (a Coupon global ID); null for"
                                                       " couponClaim.")


@strawberry.type(
    description="A coupon campaign (couponCampaignCreate): its discount, where and when it applies, its budget (held"
    " in its own ledger account, funded from fundingWalletId) and limits. Every discount is a leg of its payment's"
    " posting from the campaign's budget account."
)
class CouponCampaign(Node):
    name: str = strawberry.field(description="The campaign's name, as customers see it.")
    issuer: CouponIssuer = strawberry.field(description="Who issues it.")
    issuer_merchant_id: strawberry.ID | None = strawberry.field(description="issuer MERCHANT: the merchant.")
    partner_id: strawberry.ID | None = strawberry.field(description="Its partner; null for the bank's own.")
    funding_wallet_id: strawberry.ID = strawberry.field(description="The wallet its budget was funded from.")
    discount_kind: CouponDiscountKind = strawberry.field(description="FIXED or PERCENTAGE.")
    amount_off: Money | None = strawberry.field(description="FIXED: the amount off.")
    percent_off_bps: int | None = strawberry.field(description="PERCENTAGE: basis points off (100 = 1%).")
    max_discount: Money | None = strawberry.field(description="PERCENTAGE: the most one coupon takes off; null: no cap.")
    minimum_spend: Money = strawberry.field(description="The smallest payment amount it applies to.")
    merchant_ids: list[strawberry.ID] = strawberry.field(description="Only these merchants; empty: any.")
    mccs: list[str] = strawberry.field(description="Only merchants of these categories (ISO 18245); empty: any.")
    valid_from: datetime = strawberry.field(description="Usable from (inclusive, UTC).")
    valid_to: datetime = strawberry.field(description="Usable until (exclusive, UTC).")
    budget: Money = strawberry.field(description="The whole budget, moved into the campaign's account at creation.")
    budget_used: Money = strawberry.field(description="What discounts use of it now (refunds give back).")
    per_customer_limit: int = strawberry.field(description="How many of its coupons one customer may use (and hold).")
    stackable: bool = strawberry.field(description="Whether its coupons combine with points and other campaigns' coupons.")
    refund_rule: CouponRefundRule = strawberry.field(description="What a full refund does to the coupon.")
    claim_code: str | None = strawberry.field(description="The code customers claim a coupon with; null: issued only.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_record(cls, r: CampaignRecord) -> CouponCampaign:
        """The GraphQL view of a campaign."""
        return cls(
            id=to_global_id("CouponCampaign", r.id), name=r.name, issuer=CouponIssuer(r.issuer),
            issuer_merchant_id=to_global_id("Merchant", r.issuer_merchant_id) if r.issuer_merchant_id else None,
            partner_id=to_global_id("Partner", r.partner_id) if r.partner_id else None,
            funding_wallet_id=to_global_id("Wallet", r.funding_wallet_id),
            discount_kind=CouponDiscountKind(r.discount_kind),
            amount_off=Money.of(r.amount_off_minor, r.currency) if r.amount_off_minor is not None else None,
            percent_off_bps=r.percent_off_bps,
            max_discount=Money.of(r.max_discount_minor, r.currency) if r.max_discount_minor is not None else None,
            minimum_spend=Money.of(r.min_spend_minor, r.currency),
            merchant_ids=[to_global_id("Merchant", m) for m in r.merchant_ids], mccs=list(r.mccs),
            valid_from=r.valid_from, valid_to=r.valid_to, budget=Money.of(r.budget_minor, r.currency),
            budget_used=Money.of(r.budget_used_minor, r.currency), per_customer_limit=r.per_customer_limit,
            stackable=r.stackable, refund_rule=CouponRefundRule(r.refund_rule), claim_code=r.claim_code,
            created_at=r.created_at,
        )


@strawberry.type(description="One customer's coupon of a campaign (couponIssue or couponClaim).")
class Coupon(Node):
    campaign_id: strawberry.ID = strawberry.field(description="Its campaign (a CouponCampaign global ID).")
    customer_id: strawberry.ID = strawberry.field(description="The customer holding it.")
    status: CouponStatus = strawberry.field(description="ISSUED, REDEEMED or FORFEITED.")
    claimed: bool = strawberry.field(description="True when the customer claimed it with a code, false when issued.")
    payment_id: strawberry.ID | None = strawberry.field(description="The payment that used it; null while unused.")
    discount: Money | None = strawberry.field(description="What that payment was given off; null while unused.")
    issued_at: datetime = strawberry.field(description="When it was issued or claimed (UTC).")
    redeemed_at: datetime | None = strawberry.field(description="When a payment used it (UTC).")

    @classmethod
    def from_record(cls, r: CouponRecord) -> Coupon:
        """The GraphQL view of a coupon."""
        return cls(
            id=to_global_id("Coupon", r.id), campaign_id=to_global_id("CouponCampaign", r.campaign_id),
            customer_id=to_global_id("Customer", r.customer_id), status=CouponStatus(r.status),
            claimed=r.source == "CLAIMED", payment_id=to_global_id("Payment", r.payment_id) if r.payment_id else None,
            discount=Money.of(r.discount_minor, r.currency) if r.payment_id else None, issued_at=r.issued_at,
            redeemed_at=r.redeemed_at,
        )
