"""couponIssue (a campaign's coupons to chosen customers) and couponClaim (a customer takes one with the campaign's code).

Issuing is the campaign owner's act (the partner, or bank staff for a BANK campaign): each named customer gets one
ISSUED coupon and a coupon.issued event, all in one transaction or none. A claim is the customer's (its own token,
or its partner's token naming it): the campaign row is locked while the customer's coupons are counted, so a
customer never holds more coupons of a campaign than its per-customer limit however many claims race.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Coupon, CouponCampaign, Customer
from services import clock
from services.audit import AuditNote, record_event
from services.authority import is_staff
from services.coupons.campaigns import managed_campaign
from services.coupons.records import CouponRecord, IssuedCoupons
from services.coupons.terms import Reason
from services.coupons.uses import ensure_use
from services.db.sql import fetch, is_postgres
from services.errors import CouponNotApplicable, NotFound, ValidationFailed
from services.events import record_domain_event
from services.scoping import get_scoped, of_partner, token_customer

MAX_CUSTOMERS = 100


async def lock_campaign(conn, campaign_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    """Lock the campaign's row for the rest of the transaction (PostgreSQL; SQLite runs one writer at a time)."""
    suffix = " FOR UPDATE" if is_postgres(conn) else ""
    await fetch(conn, f"SELECT id FROM coupon_campaign WHERE id = $1{suffix}", [campaign_id])


async def lock_campaigns(conn, campaign_ids: Iterable[uuid.UUID]) -> None:  # type: ignore[no-untyped-def]
    """Lock several campaigns' rows in id order: the one order every path that locks more than one takes them in,
    so two such paths never wait on each other in opposite orders."""
    for campaign_id in sorted(set(campaign_ids)):
        await lock_campaign(conn, campaign_id)


def _open(campaign: CouponCampaign) -> None:
    """A campaign whose window has ended issues nothing more (OUTSIDE_WINDOW)."""
    if clock.now() >= campaign.valid_to:
        raise CouponNotApplicable("the campaign's validity window has ended", reason=Reason.OUTSIDE_WINDOW.value,
                                  field=["campaignId"])


async def _customers(principal: Principal, campaign: CouponCampaign, customer_ids: list[uuid.UUID | None]) -> list[Customer]:
    """The named customers (each once): the campaign partner's own, or any partner's for a BANK campaign."""
    if not 1 <= len(customer_ids) <= MAX_CUSTOMERS:
        raise ValidationFailed(f"name 1 to {MAX_CUSTOMERS} customers", field=["customerIds"])
    customers = []
    for i, customer_id in enumerate(dict.fromkeys(customer_ids)):
        row = await Customer.get_or_none(id=customer_id) if customer_id else None
        owner = campaign.partner_id  # type: ignore[attr-defined]
        if row is None or (owner is not None and not of_partner(owner, row.partner_id)) or (  # type: ignore[attr-defined]
                owner is None and not is_staff(principal)):
            raise NotFound("customer not found", field=["customerIds", str(i)])
        customers.append(row)
    return customers


async def _new_coupon(conn, campaign: CouponCampaign, customer: Customer, source: str) -> Coupon:  # type: ignore[no-untyped-def]
    """One ISSUED coupon and its coupon.issued event, inside the caller's transaction."""
    coupon = await Coupon.create(campaign_id=campaign.id, customer_id=customer.id, partner_id=customer.partner_id,  # type: ignore[attr-defined]
                                 status="ISSUED", source=source, issued_at=clock.now(), using_db=conn)
    await ensure_use(conn, campaign_id=campaign.id, customer_id=customer.id)
    await record_domain_event(type="coupon.issued", partner_id=customer.partner_id, object_type="Coupon",  # type: ignore[attr-defined]
                              object_id=coupon.id, payload={"couponId": str(coupon.id), "campaignId": str(campaign.id),
                                                            "customerId": str(customer.id)}, using_db=conn)
    return coupon


async def issue_coupons(*, principal: Principal, campaign_id: uuid.UUID | None, customer_ids: list[uuid.UUID | None],
                        audit: AuditNote | None = None) -> IssuedCoupons:
    """Issue one coupon of the campaign to each named customer (all or none)."""
    campaign = await managed_campaign(principal, campaign_id)
    _open(campaign)
    customers = await _customers(principal, campaign, customer_ids)
    async with in_transaction() as conn:
        coupons = [await _new_coupon(conn, campaign, c, "ISSUED") for c in customers]
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="CouponCampaign",
                               object_id=str(campaign.id), request_id=audit.request_id,
                               partner_id=campaign.partner_id)  # type: ignore[attr-defined]
    return IssuedCoupons(id=campaign.id, partner_id=campaign.partner_id,  # type: ignore[attr-defined]
                         coupons=tuple(CouponRecord.of(c, campaign.currency) for c in coupons), audited=audit is not None)


async def claim_coupon(*, principal: Principal, code: str, customer_id: uuid.UUID | None,
                       audit: AuditNote | None = None) -> CouponRecord:
    """The customer claims a coupon with the campaign's code (its own token, or its partner's naming it)."""
    own = token_customer(principal)
    if own is not None:
        if customer_id is not None and customer_id != own:
            raise NotFound("customer not found", field=["customerId"])
        customer_id = own
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    text = code.strip().upper() if isinstance(code, str) else ""
    campaign = await CouponCampaign.get_or_none(claim_code=text) if 1 <= len(text) <= 32 else None
    if campaign is None or (campaign.partner_id is not None  # type: ignore[attr-defined]
                            and not of_partner(customer.partner_id, campaign.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("no campaign has this code", field=["code"])
    _open(campaign)
    async with in_transaction() as conn:
        # Locked: concurrent claims of one customer count its coupons one after the other.
        await lock_campaign(conn, campaign.id)
        held = await Coupon.filter(campaign_id=campaign.id, customer_id=customer.id).using_db(conn).count()
        if held >= campaign.per_customer_limit:
            raise CouponNotApplicable("the customer already holds as many coupons of this campaign as it may",
                                      reason=Reason.CUSTOMER_LIMIT_REACHED.value, field=["code"])
        coupon = await _new_coupon(conn, campaign, customer, "CLAIMED")
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Coupon",
                               object_id=str(coupon.id), request_id=audit.request_id,
                               partner_id=customer.partner_id)  # type: ignore[attr-defined]
    return CouponRecord.of(coupon, campaign.currency, audited=audit is not None)
