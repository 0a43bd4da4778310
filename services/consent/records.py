"""customerConsentSet and Customer.consents: append-only consent decisions, the newest per kind in force."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, CustomerConsent
from services import clock
from services.audit import AuditNote, record_event
from services.errors import NotFound, ValidationFailed
from services.events import record_domain_event
from services.outcome import ServiceResult
from services.scoping import get_scoped
from services.validation import clean_text


class ConsentKind(str, Enum):
    MARKETING = "MARKETING"  # personalised offers (offersForCustomer) and marketing messages
    PROFILING = "PROFILING"  # using the customer's spending to tailor what it is shown
    THIRD_PARTY_SHARING = "THIRD_PARTY_SHARING"  # sharing with the partner's named third parties


@dataclass(frozen=True, kw_only=True)
class ConsentRecord(ServiceResult):
    """One consent decision of a customer."""

    audit_type = "CustomerConsent"
    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    granted: bool
    text_version: str
    recorded_at: datetime

    @classmethod
    def of(cls, row: CustomerConsent, *, audited: bool = False) -> ConsentRecord:
        """The record of a stored decision."""
        return cls(id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
                   kind=row.kind, granted=row.granted, text_version=row.text_version, recorded_at=row.recorded_at,
                   audited=audited)


def _kind(value: object) -> ConsentKind:
    """A known consent kind, or VALIDATION."""
    try:
        return ConsentKind(getattr(value, "value", value))
    except ValueError:
        raise ValidationFailed("kind must be one of " + ", ".join(k.value for k in ConsentKind), field=["kind"]) from None


async def set_consent(*, principal: Principal, customer_id: uuid.UUID | None, kind: object, granted: bool,
                      text_version: str, audit: AuditNote | None = None) -> ConsentRecord:
    """Record a grant or a withdrawal (a new row, never an update): in force from the clock's now."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    consent_kind = _kind(kind)
    if not isinstance(granted, bool):
        raise ValidationFailed("granted must be true or false", field=["granted"])
    version = clean_text(text_version, field="textVersion", max_len=64, required=True)
    async with in_transaction() as conn:
        row = await CustomerConsent.create(
            partner_id=customer.partner_id, customer_id=customer.id, kind=consent_kind.value,  # type: ignore[attr-defined]
            granted=granted, text_version=version, recorded_at=clock.now(),
            recorded_by=f"{principal.kind}:{principal.subject}", using_db=conn,
        )
        await record_domain_event(
            type="consent.changed", partner_id=customer.partner_id, object_type="Customer",  # type: ignore[attr-defined]
            object_id=customer.id, using_db=conn,
            payload={"customerId": str(customer.id), "consentKind": consent_kind.value,
                     "consentStatus": "GRANTED" if granted else "WITHDRAWN", "textVersion": version},
        )
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK", object_type="Customer",
                               object_id=str(customer.id), request_id=audit.request_id,
                               partner_id=customer.partner_id)  # type: ignore[attr-defined]
    return ConsentRecord.of(row, audited=audit is not None)


async def current_consents(customer_id: uuid.UUID) -> list[ConsentRecord]:
    """The decision in force per kind (the newest row of each kind), in kind order; kinds never decided are absent."""
    rows = await CustomerConsent.filter(customer_id=customer_id).order_by("kind", "-recorded_at", "-id")
    newest: dict[str, CustomerConsent] = {}
    for row in rows:  # a customer has a handful of decisions per kind: the newest of each
        newest.setdefault(row.kind, row)
    return [ConsentRecord.of(row) for row in newest.values()]


async def has_granted(customer_id: uuid.UUID, kind: ConsentKind = ConsentKind.MARKETING) -> bool:
    """Whether the customer's newest decision of this kind is a grant (read now, never cached: a withdrawal is at once)."""
    newest = await CustomerConsent.filter(customer_id=customer_id, kind=kind.value).order_by("-recorded_at", "-id").first()
    return bool(newest and newest.granted)


async def get_consent(*, principal: Principal, consent_id: uuid.UUID) -> ConsentRecord:
    """One decision the caller may read (node(id:)): of its own customers (a customer token: its own)."""
    row = await CustomerConsent.get_or_none(id=consent_id)
    if row is None:
        raise NotFound("consent not found")
    await get_scoped(Customer, principal, row.customer_id, what="consent")  # type: ignore[attr-defined]
    return ConsentRecord.of(row)
