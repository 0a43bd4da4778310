"""Coupon campaigns: couponCampaignCreate, couponIssue, couponClaim, and Customer.coupons."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import partner_scope_or_staff, requires
from schema.common.relay import Connection, global_id_to_uuid
from schema.common.scalars import Decimal
from schema.coupons.types import (
    Coupon, CouponCampaign, CouponDiscountKind, CouponIssuer, CouponNotApplicableReason, CouponRefundRule, CouponRefusal,
    CouponStatus,
)
from services.coupons import campaigns, issuing, queries
from services.errors import CouponNotApplicable, NotFound

_MANAGE = partner_scope_or_staff("customers:write", "fees:write")


def _id(global_id: strawberry.ID | None, type_name: str, field: str) -> Any:
    """A global ID of the type as a UUID (None when not given); NOT_FOUND for a malformed or foreign one."""
    if global_id is None:
        return None
    value = global_id_to_uuid(global_id, type_name)
    if value is None:
        raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found", field=[field])
    return value


def refusal_of(error: CouponNotApplicable | None) -> CouponRefusal | None:
    """The payload's couponRefusal for a COUPON_NOT_APPLICABLE refusal (None otherwise)."""
    if error is None:
        return None
    from schema.common.relay import to_global_id
    return CouponRefusal(reason=CouponNotApplicableReason(error.reason),
                         coupon_id=to_global_id("Coupon", error.coupon_id) if error.coupon_id else None)


async def noting_refusal(call: Any, seen: list[CouponNotApplicable]) -> Any:
    """Await a service call, remembering a COUPON_NOT_APPLICABLE refusal for the payload (then raising it on)."""
    try:
        return await call
    except CouponNotApplicable as error:
        seen.append(error)
        raise


@strawberry.input(description="A new coupon campaign. Amounts are decimal strings in `currency`.")
class CouponCampaignCreateInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    issuer: CouponIssuer = strawberry.field(description="BANK (staff only), PARTNER or MERCHANT (your own partner).")
    issuer_merchant_id: strawberry.ID | None = strawberry.field(default=None, description="issuer MERCHANT: one of"
                                                                " your merchants (its settlement wallet funds by default).")
    funding_wallet_id: strawberry.ID | None = strawberry.field(default=None, description="The ACTIVE wallet in"
                                                               " `currency` the budget is moved from (one of yours).")
    currency: str = strawberry.field(description="ISO 4217: the budget's and the discounts' currency.")
    budget: Decimal = strawberry.field(description="The total budget, moved into the campaign's account now.")  # type: ignore[valid-type]
    discount_kind: CouponDiscountKind = strawberry.field(description="FIXED (amountOff) or PERCENTAGE (percentOffBps).")
    amount_off: Decimal | None = strawberry.field(default=None, description="FIXED: the amount off.")  # type: ignore[valid-type]
    percent_off_bps: int | None = strawberry.field(default=None, description="PERCENTAGE: basis points, 1 to 10000.")
    max_discount: Decimal | None = strawberry.field(default=None, description="PERCENTAGE: the cap per coupon.")  # type: ignore[valid-type]
    minimum_spend: Decimal | None = strawberry.field(default=None, description="The smallest payment it applies to.")  # type: ignore[valid-type]
    merchant_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Only these merchants.")
    mccs: list[str] = strawberry.field(default_factory=list, description="Only these merchant categories (4 digits).")
    valid_from: datetime = strawberry.field(description="Usable from (inclusive).")
    valid_to: datetime = strawberry.field(description="Usable until (exclusive).")
    per_customer_limit: int = strawberry.field(default=1, description="Coupons one customer may use and hold (1-1000).")
    stackable: bool = strawberry.field(default=False, description="Combinable with points and other campaigns' coupons.")
    refund_rule: CouponRefundRule = strawberry.field(description="RESTORE or FORFEIT on a full refund (documented).")
    claimable: bool = strawberry.field(default=False, description="Give the campaign a code customers claim with.")
    idempotency_key: str = strawberry.field(description="Your unique key for this campaign (its budget moves once):"
                                            " a retry with the same key and terms answers the original campaign.")


@strawberry.type(description="The campaign created (and funded), or why nothing was.")
class CouponCampaignPayload:
    campaign: CouponCampaign | None = strawberry.field(description="The campaign; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION, INVALID_AMOUNT, UNSUPPORTED_CURRENCY,"
        " NOT_FOUND, INSUFFICIENT_FUNDS (the funding wallet), LIMIT_EXCEEDED, WALLET_NOT_ACTIVE, IDEMPOTENCY_CONFLICT.")


@strawberry.input(description="Coupons of a campaign for chosen customers.")
class CouponIssueInput:
    campaign_id: strawberry.ID = strawberry.field(description="A campaign you manage.")
    customer_ids: list[strawberry.ID] = strawberry.field(description="1 to 100 customers (yours; any for staff on a"
                                                         " BANK campaign): one coupon each.")


@strawberry.type(description="The coupons issued, or why none was.")
class CouponIssuePayload:
    coupons: list[Coupon] | None = strawberry.field(description="One per customer; null when userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. VALIDATION, NOT_FOUND, COUPON_NOT_APPLICABLE"
        " (OUTSIDE_WINDOW: the campaign has ended).")


@strawberry.input(description="A campaign's code, claimed for a customer.")
class CouponClaimInput:
    code: str = strawberry.field(description="The campaign's claimCode (case-insensitive).")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="The customer (a partner token);"
                                                         " a customer token claims for itself.")


@strawberry.type(description="The coupon claimed, or why none was.")
class CouponClaimPayload:
    coupon: Coupon | None = strawberry.field(description="The coupon; null when userErrors is not empty.")
    coupon_refusal: CouponRefusal | None = strawberry.field(description="With COUPON_NOT_APPLICABLE: the reason.")
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing changed; empty on success. NOT_FOUND (code or customer), COUPON_NOT_APPLICABLE"
        " (OUTSIDE_WINDOW, CUSTOMER_LIMIT_REACHED).")


async def customer_coupons(info: Info, customer_id: uuid.UUID, status: CouponStatus | None, first: int | None,
                           after: str | None) -> Connection[Coupon]:
    """Customer.coupons: the customer's coupons, oldest first (the customer was read with the caller's scope)."""
    page = await queries.customer_coupons(customer_id=customer_id, status=status.value if status else None,
                                          first=first, after=after)
    return Connection.from_page(page, Coupon.from_record)


@strawberry.type
class CouponMutations:
    @strawberry.mutation(
        permission_classes=_MANAGE,
        description="Create a coupon campaign and move its whole budget from the funding wallet into the campaign's"
        " own ledger account (a COUPON_FUNDING posting), all or nothing: a partner's own token (customers:write) for"
        " PARTNER or MERCHANT campaigns, staff with fees:write for BANK ones. Audited.",
    )
    async def coupon_campaign_create(
        self, info: Info,
        input: Annotated[CouponCampaignCreateInput, strawberry.argument(description="The campaign's terms.")],
    ) -> CouponCampaignPayload:
        async def run() -> Any:
            return await campaigns.create_campaign(principal=info.context.principal, terms=campaigns.CampaignTerms(
                name=input.name, issuer=input.issuer.value, currency=input.currency, budget=input.budget,
                funding_wallet_id=_id(input.funding_wallet_id, "Wallet", "fundingWalletId"),
                discount_kind=input.discount_kind.value, amount_off=input.amount_off,
                percent_off_bps=input.percent_off_bps, max_discount=input.max_discount, min_spend=input.minimum_spend,
                valid_from=input.valid_from, valid_to=input.valid_to, per_customer_limit=input.per_customer_limit,
                stackable=input.stackable, refund_rule=input.refund_rule.value,
                merchant_ids=tuple(_id(m, "Merchant", "merchantIds") for m in input.merchant_ids),
                mccs=tuple(input.mccs), issuer_merchant_id=_id(input.issuer_merchant_id, "Merchant", "issuerMerchantId"),
                claimable=input.claimable, idempotency_key=input.idempotency_key), audit=audit_note(info))

        record, errors = await attempt(info, run())
        return CouponCampaignPayload(campaign=CouponCampaign.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=_MANAGE,
                         description="Issue one coupon of a campaign you manage to each named customer. Audited;"
                         " coupon.issued per coupon.")
    async def coupon_issue(
        self, info: Info, input: Annotated[CouponIssueInput, strawberry.argument(description="Campaign and customers.")],
    ) -> CouponIssuePayload:
        async def run() -> Any:
            return await issuing.issue_coupons(
                principal=info.context.principal, campaign_id=_id(input.campaign_id, "CouponCampaign", "campaignId"),
                customer_ids=[global_id_to_uuid(c, "Customer") for c in input.customer_ids], audit=audit_note(info))

        record, errors = await attempt(info, run())
        return CouponIssuePayload(coupons=[Coupon.from_record(c) for c in record.coupons] if record else None,
                                  user_errors=errors)

    @strawberry.mutation(permission_classes=requires("customers:write"),
                         description="Claim a coupon with a campaign's code: a customer token for itself, or the"
                         " partner's token for one of its customers. Audited; coupon.issued.")
    async def coupon_claim(
        self, info: Info, input: Annotated[CouponClaimInput, strawberry.argument(description="The code and customer.")],
    ) -> CouponClaimPayload:
        seen: list[CouponNotApplicable] = []

        async def run() -> Any:
            return await issuing.claim_coupon(principal=info.context.principal, code=input.code,
                                              customer_id=_id(input.customer_id, "Customer", "customerId"),
                                              audit=audit_note(info))

        record, errors = await attempt(info, noting_refusal(run(), seen))
        return CouponClaimPayload(coupon=Coupon.from_record(record) if record else None,
                                  coupon_refusal=refusal_of(seen[0] if seen else None), user_errors=errors)


def discount_ask(coupon_ids: list[strawberry.ID], points: int | None, program_id: strawberry.ID | None) -> Any:
    """paymentCreate's coupons and points as the service's DiscountAsk (a malformed id: None, answered NOT_FOUND)."""
    from services.coupons.checkout import DiscountAsk

    return DiscountAsk(coupon_ids=tuple(global_id_to_uuid(c, "Coupon") for c in coupon_ids), points=points,
                       points_program_id=global_id_to_uuid(program_id, "PointsProgram") if program_id else None)
