"""offerCreate, offerUpdate and partnerOfferSettingsSet: who may offer what to whose customers.

A partner offers to its own customers (issuer PARTNER, its own token with customers:write). The bank (staff with
fees:write, as for other priced terms) offers its own products (issuer BANK) to one partner's customers, only while
that partner allows bank offers (partnerOfferSettingsSet); offersForCustomer checks the setting again at read time,
so a partner that stops allowing them hides the bank's offers at once.
"""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Offer, Partner, PartnerOfferSetting
from services.audit import AuditNote, record_event
from services.authority import is_staff, require_partner_token
from services.errors import BankOffersNotAllowed, Forbidden, NotFound, ValidationFailed
from services.events import record_domain_event
from services.offers.records import OfferRecord, OfferSettingRecord
from services.offers.terms import OfferTerms, check_consistent, checked_columns
from services.scoping import of_partner
from services.scoping import of_tenant

PERMISSION = "fees:write"  # staff: the bank's offers are its priced products
PARTNER, BANK = "PARTNER", "BANK"


async def bank_offers_allowed(partner_id: uuid.UUID) -> bool:
    """Whether the partner allows the bank's own offers to its customers (no setting: not allowed)."""
    setting = await of_tenant(PartnerOfferSetting, partner_id).first()
    return bool(setting and setting.allow_bank_offers)


def _require_manager(principal: Principal) -> None:
    """Staff need fees:write; otherwise only a partner's own token (a customer token is refused)."""
    if is_staff(principal):
        if not is_staff(principal, PERMISSION):
            raise Forbidden(f"this operation needs the {PERMISSION} scope")
        return
    require_partner_token(principal)


async def _target_partner(principal: Principal, partner_id: uuid.UUID | None) -> tuple[uuid.UUID, str]:
    """(whose customers, issuer): a partner's own; for staff the named partner, which must allow bank offers."""
    if not is_staff(principal):
        if partner_id is not None and not of_partner(principal.partner_id, partner_id):
            raise NotFound("partner not found", field=["partnerId"])
        return principal.partner_id, PARTNER  # type: ignore[return-value]
    if partner_id is None:
        raise ValidationFailed("partnerId is required: the partner whose customers see the bank's offer",
                               field=["partnerId"])
    if not await Partner.exists(id=partner_id):
        raise NotFound("partner not found", field=["partnerId"])
    if not await bank_offers_allowed(partner_id):
        raise BankOffersNotAllowed("the partner does not allow the bank's offers to its customers", field=["partnerId"])
    return partner_id, BANK


async def _announce(offer: Offer, event_type: str, audit: AuditNote | None, conn: object) -> None:
    """The offer.* event and the audit row, inside the change's transaction."""
    await record_domain_event(type=event_type, partner_id=offer.partner_id, object_type="Offer",  # type: ignore[attr-defined]
                              object_id=offer.id, using_db=conn,  # type: ignore[arg-type]
                              payload={"offerId": str(offer.id), "offerVersion": offer.version,
                                       "offerStatus": offer.status})
    if audit is not None:
        await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Offer",
                           object_id=str(offer.id), request_id=audit.request_id,
                           partner_id=offer.partner_id)  # type: ignore[attr-defined]


async def create_offer(*, principal: Principal, terms: OfferTerms, partner_id: uuid.UUID | None = None,
                       audit: AuditNote | None = None) -> OfferRecord:
    """Create an offer (ACTIVE unless the terms say PAUSED), with its offer.created event."""
    _require_manager(principal)
    columns = checked_columns(terms, creating=True)
    owner, issuer = await _target_partner(principal, partner_id)
    offer = Offer(partner_id=owner, issuer=issuer, created_by=f"{principal.kind}:{principal.subject}", **columns)
    check_consistent(offer)
    async with in_transaction() as conn:
        await offer.save(using_db=conn)
        await _announce(offer, "offer.created", audit, conn)
    return OfferRecord.of(offer, audited=audit is not None)


async def managed_offer(principal: Principal, offer_id: uuid.UUID | None) -> Offer:
    """An offer the caller may change: staff (fees:write) the bank's, a partner its own (NOT_FOUND otherwise)."""
    _require_manager(principal)
    offer = await Offer.get_or_none(id=offer_id) if offer_id else None
    if offer is None:
        raise NotFound("offer not found", field=["offerId"])
    if is_staff(principal):
        if offer.issuer != BANK:
            raise NotFound("offer not found (bank staff manage the bank's offers)", field=["offerId"])
    elif offer.issuer != PARTNER or not of_partner(principal.partner_id, offer.partner_id):  # type: ignore[attr-defined]
        raise NotFound("offer not found", field=["offerId"])
    return offer


async def update_offer(*, principal: Principal, offer_id: uuid.UUID | None, terms: OfferTerms,
                       audit: AuditNote | None = None) -> OfferRecord:
    """Change an offer's terms (its version rises), with its offer.updated event."""
    offer = await managed_offer(principal, offer_id)
    columns = checked_columns(terms, creating=False)
    if offer.issuer == BANK and not await bank_offers_allowed(offer.partner_id):  # type: ignore[attr-defined]
        raise BankOffersNotAllowed("the partner no longer allows the bank's offers to its customers",
                                   field=["offerId"])
    async with in_transaction() as conn:
        locked = await Offer.filter(id=offer.id).select_for_update().using_db(conn).get()  # versions rise one by one
        for name, value in columns.items():
            setattr(locked, name, value)
        check_consistent(locked)
        locked.version += 1
        await locked.save(using_db=conn)
        await _announce(locked, "offer.updated", audit, conn)
    return OfferRecord.of(locked, audited=audit is not None)


async def set_offer_settings(*, principal: Principal, allow_bank_offers: bool,
                             audit: AuditNote | None = None) -> OfferSettingRecord:
    """partnerOfferSettingsSet: a partner's own token decides whether the bank may offer to its customers."""
    require_partner_token(principal)
    if not isinstance(allow_bank_offers, bool):
        raise ValidationFailed("allowBankOffers must be true or false", field=["allowBankOffers"])
    partner_id = principal.partner_id
    try:  # the row once per partner (a concurrent first call may create it meanwhile: then update it)
        if not await of_tenant(PartnerOfferSetting, partner_id).exists():
            await PartnerOfferSetting.create(partner_id=partner_id, allow_bank_offers=False)
    except IntegrityError:
        pass
    async with in_transaction() as conn:
        await of_tenant(PartnerOfferSetting, partner_id).using_db(conn).update(
            allow_bank_offers=allow_bank_offers)
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Partner",
                               object_id=str(partner_id), request_id=audit.request_id, partner_id=partner_id)
    return OfferSettingRecord(id=partner_id, partner_id=partner_id, allow_bank_offers=allow_bank_offers,  # type: ignore[arg-type]
                              audited=audit is not None)


async def visible_offer(principal: Principal, offer_id: uuid.UUID | None, *, field: str = "offerId") -> Offer:
    """An offer the caller may read: staff any; a partner (or its customer token) the offers to its customers."""
    offer = await Offer.get_or_none(id=offer_id) if offer_id else None
    if offer is None or not (is_staff(principal) or of_partner(principal.partner_id, offer.partner_id)):  # type: ignore[attr-defined]
        raise NotFound("offer not found", field=[field])
    return offer


async def get_offer(*, principal: Principal, offer_id: uuid.UUID) -> OfferRecord:
    """node(id:): an offer the caller may read."""
    return OfferRecord.of(await visible_offer(principal, offer_id))
