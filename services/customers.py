"""Onboarding and reading a partner's customers, handed out as `CustomerRecord`s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer
from models.enums import CustomerKind, CustomerStatus, KycStatus, ScreeningStatus
from models.ids import uuid7
from services.countries import is_country
from services.customer_pii import open_contact, seal_contact
from services.errors import AlreadyExists, ValidationFailed
from services.events import record_domain_event
from services.outcome import ServiceResult
from services.pagination import Page, enum_filter, map_page, page_window, window_page
from services.scoping import get_scoped, partner_scoped
from services.screening.customer_screening import announce_after_hold, screen_customer
from services.validation import clean_email, clean_name, clean_phone


@dataclass(frozen=True, kw_only=True)
class CustomerRecord(ServiceResult):
    """A partner's customer as services hand it out (the stored row's fields)."""

    audit_type: ClassVar[str] = "Customer"

    id: uuid.UUID
    partner_id: uuid.UUID
    external_ref: str
    kind: CustomerKind
    display_name: str
    email: str | None
    phone: str | None
    country: str
    kyc_status: KycStatus
    kyc_tier: int
    screening_status: ScreeningStatus
    created_at: datetime
    status: CustomerStatus = CustomerStatus.ACTIVE  # CLOSED by customerClose
    closed_at: datetime | None = None
    # The address as stored: an AES-GCM token (services.pii), never plaintext; shown masked (services.customer_profile).
    address_ciphertext: str | None = field(default=None, repr=False)

    @classmethod
    async def of_row(cls, row: Customer) -> CustomerRecord:
        """The record of a stored customer row, its display name, e-mail and phone opened (services.customer_pii)."""
        contact = await open_contact(row)
        return cls(
            id=row.id, partner_id=row.partner_id, external_ref=row.external_ref,  # type: ignore[attr-defined]
            kind=CustomerKind(row.kind), display_name=contact.display_name, email=contact.email, phone=contact.phone,
            country=row.country, kyc_status=KycStatus(row.kyc_status), kyc_tier=row.kyc_tier,
            screening_status=ScreeningStatus(row.screening_status), created_at=row.created_at,
            status=CustomerStatus(row.status), closed_at=row.closed_at, address_ciphertext=row.address_enc,
        )


async def create_customer(
    *,
    principal: Principal,
    external_ref: str,
    kind: str,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    country: str,
) -> CustomerRecord:
    """Onboard a customer for the calling partner; external_ref is unique per partner."""
    ref = clean_name(external_ref, field="externalRef", max_len=128)
    name = clean_name(display_name, field="displayName", max_len=200)
    try:
        customer_kind = CustomerKind(kind)
    except ValueError:
        raise ValidationFailed("kind must be INDIVIDUAL or BUSINESS", field=["kind"]) from None
    country_code = (country or "").strip().upper()
    if not is_country(country_code):
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code", field=["country"])
    clean_mail, clean_tel = clean_email(email), clean_phone(phone)
    if await partner_scoped(Customer, principal).filter(external_ref=ref).exists():
        raise AlreadyExists("a customer with this externalRef already exists", field=["externalRef"])
    customer_id = uuid7()
    # Sealed before the row exists, bound to its id: the name, e-mail and phone are never stored in clear.
    sealed = await seal_contact(customer_id, {"display_name": name, "email": clean_mail, "phone": clean_tel})
    try:
        async with in_transaction() as conn:
            customer = await Customer.create(
                id=customer_id,
                partner_id=principal.partner_id,
                external_ref=ref,
                kind=customer_kind,
                country=country_code,
                using_db=conn,
                **sealed,
            )
            await record_domain_event(
                type="customer.created", partner_id=principal.partner_id, object_type="Customer", object_id=customer.id,
                payload={"customerId": str(customer.id), "kind": customer_kind.value}, using_db=conn,
            )
            # Watchlist screening of the new name: a hit holds the customer and raises an alert in this transaction.
            screening = await screen_customer(customer=customer, name=name, date_of_birth=None, country=country_code,
                                              using_db=conn)
    except IntegrityError:
        # A concurrent request created the same externalRef between our check and insert.
        raise AlreadyExists("a customer with this externalRef already exists", field=["externalRef"]) from None
    if screening and screening["hit"]:
        await announce_after_hold()
    return await CustomerRecord.of_row(customer)


async def get_customer(*, principal: Principal, customer_id: uuid.UUID | None) -> CustomerRecord:
    """One of the partner's customers, or NotFound."""
    return await CustomerRecord.of_row(await get_scoped(Customer, principal, customer_id, what="customer", field=["id"]))


async def list_customers(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    external_ref: str | None = None,
    kyc_status: KycStatus | str | None = None,
    kind: CustomerKind | str | None = None,
) -> Page[CustomerRecord]:
    """The partner's customers, oldest first, filtered by externalRef, KYC status and kind: one statement a page.

    Paged forward with first/after or backward with last/before.
    """
    window = page_window(first=first, after=after, last=last, before=before)
    query = partner_scoped(Customer, principal)
    if external_ref is not None:
        query = query.filter(external_ref=clean_name(external_ref, field="externalRef", max_len=128))
    if kyc_status is not None:
        query = query.filter(kyc_status=enum_filter(KycStatus, kyc_status, field="kycStatus"))
    if kind is not None:
        query = query.filter(kind=enum_filter(CustomerKind, kind, field="kind"))
    page = await window_page(query, window)
    records = {row.id: await CustomerRecord.of_row(row) for row in page.items}
    return map_page(page, lambda row: records[row.id])


async def customers_by_ids(*, principal: Principal, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, CustomerRecord]:
    """Several of the partner's customers in one query, keyed by id (DataLoader batch)."""
    rows = await partner_scoped(Customer, principal).filter(id__in=customer_ids)
    return {row.id: await CustomerRecord.of_row(row) for row in rows}
