"""offerEventRecord and offerReport: impressions, clicks and conversions within frequency caps, and their rates."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import Enum

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, OfferEvent, OfferExposure
from services import clock
from services.audit import AuditNote, record_event
from services.consent.records import has_granted
from services.db.sql import fetch
from services.errors import ConsentRequired, Forbidden, FrequencyCapReached, NotFound, OfferNotEligible, ValidationFailed
from services.offers.admin import visible_offer
from services.offers.eligibility import eligibility
from services.offers.records import OfferEventRecord, OfferRecord, OfferReport
from services.scoping import get_scoped
from services.scoping import of_partner, token_customer


class OfferEventKind(str, Enum):
    IMPRESSION = "IMPRESSION"
    CLICK = "CLICK"
    CONVERSION = "CONVERSION"


def _kind(value: object) -> OfferEventKind:
    """A known event kind, or VALIDATION."""
    try:
        return OfferEventKind(getattr(value, "value", value))
    except ValueError:
        raise ValidationFailed("kind must be IMPRESSION, CLICK or CONVERSION", field=["kind"]) from None


async def _exposure_id(offer_id: uuid.UUID, customer_id: uuid.UUID) -> uuid.UUID:
    """The (offer, customer) row impressions lock, created once outside the counting transaction."""
    row = await OfferExposure.get_or_none(offer_id=offer_id, customer_id=customer_id)
    if row is None:
        try:
            row = await OfferExposure.create(offer_id=offer_id, customer_id=customer_id)
        except IntegrityError:
            row = await OfferExposure.get(offer_id=offer_id, customer_id=customer_id)  # created meanwhile
    return row.id


async def record_offer_event(*, principal: Principal, offer_id: uuid.UUID | None, customer_id: uuid.UUID | None,
                             kind: object, audit: AuditNote | None = None) -> OfferEventRecord:
    """Record one event of a consenting customer; an IMPRESSION only while the offer selects it and within its cap."""
    event_kind = _kind(kind)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    offer = await visible_offer(principal, offer_id)
    if not of_partner(customer.partner_id, offer.partner_id):  # type: ignore[attr-defined]
        raise NotFound("offer not found", field=["offerId"])  # an offer to another partner's customers
    if not await has_granted(customer.id):
        raise ConsentRequired("the customer has not granted MARKETING consent", field=["customerId"])
    if event_kind is OfferEventKind.IMPRESSION and await eligibility(offer, customer) is None:
        raise OfferNotEligible("the offer does not select this customer now", field=["offerId"])
    exposure = await _exposure_id(offer.id, customer.id) if event_kind is OfferEventKind.IMPRESSION else None
    async with in_transaction() as conn:
        if exposure is not None and offer.max_impressions is not None:
            # Lock the (offer, customer) row, then count: concurrent impressions of one customer take turns, so
            # the cap is never exceeded (SQLite serialises its one connection anyway).
            await OfferExposure.filter(id=exposure).select_for_update().using_db(conn).get()
            since = clock.now() - timedelta(days=offer.cap_period_days or 0)
            shown = await OfferEvent.filter(offer_id=offer.id, customer_id=customer.id, kind="IMPRESSION",
                                            recorded_at__gte=since).using_db(conn).count()
            if shown >= offer.max_impressions:
                raise FrequencyCapReached(f"the offer was shown {shown} times in {offer.cap_period_days} days",
                                          field=["offerId"])
        event = await OfferEvent.create(offer_id=offer.id, customer_id=customer.id, kind=event_kind.value,
                                        recorded_at=clock.now(), using_db=conn)
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Offer",
                               object_id=str(offer.id), request_id=audit.request_id,
                               partner_id=offer.partner_id)  # type: ignore[attr-defined]
    return OfferEventRecord(id=offer.id, partner_id=offer.partner_id, customer_id=customer.id,  # type: ignore[attr-defined]
                            kind=event.kind, recorded_at=event.recorded_at, audited=audit is not None)


async def offer_report(*, principal: Principal, offer_id: uuid.UUID | None) -> OfferReport:
    """offerReport: counts per kind and distinct customers reached, grouped by the database (partners and staff)."""
    if token_customer(principal) is not None:
        raise Forbidden("an offer's report is for the partner and the bank, not a customer token")
    offer = await visible_offer(principal, offer_id)
    rows = await fetch(
        connections.get("default"),
        "SELECT kind, COUNT(*) AS n, COUNT(DISTINCT customer_id) AS customers FROM offer_event WHERE offer_id = $1"
        " GROUP BY kind",
        [offer.id],
    )
    counts = {row["kind"]: int(row["n"]) for row in rows}
    reached = {row["kind"]: int(row["customers"]) for row in rows}.get("IMPRESSION", 0)
    return OfferReport(offer=OfferRecord.of(offer), impressions=counts.get("IMPRESSION", 0),
                       clicks=counts.get("CLICK", 0), conversions=counts.get("CONVERSION", 0), customers_reached=reached)
