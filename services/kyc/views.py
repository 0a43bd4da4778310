"""Reading KYC submissions: who sees which rows, and the masked view of their identity data.

Every reader (partner, customer token, staff with kyc:read) sees identity
values masked to their last four characters; only kycReveal (reveal.py) shows
a value in clear.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import Customer, KycSubmission
from models.enums import KycStatus
from services.authority import is_staff
from services.errors import NotFound, PiiUnreadable
from services.kyc.records import KycSubmissionRecord
from services.pagination import Page, keyset_page, map_page
from services.pii import PiiIntegrityError, decrypt_value, mask, pii_context
from services.scoping import get_scoped, partner_scoped

log = logging.getLogger("qianbao.kyc")
_TABLE = KycSubmission._meta.db_table
# Field name (GraphQL enum value) -> encrypted column.
PII_FIELDS: dict[str, str] = {
    "LEGAL_NAME": "legal_name_enc",
    "DATE_OF_BIRTH": "date_of_birth_enc",
    "ID_NUMBER": "id_number_enc",
    "ADDRESS": "address_enc",
    "BUSINESS": "business_enc",
}


def readable_submissions(principal: Principal) -> QuerySet[KycSubmission]:
    """The submissions the caller may read: staff all, a partner its customers', a customer token its own."""
    return partner_scoped(KycSubmission, principal)


async def get_submission(
    *, principal: Principal, submission_id: uuid.UUID | None, field: list[str] | None = None
) -> KycSubmissionRecord:
    """One readable submission, or NotFound (also for another partner's)."""
    if submission_id is None:
        raise NotFound("KYC submission not found", field=field)
    row = await readable_submissions(principal).get_or_none(id=submission_id)
    if row is None:
        raise NotFound("KYC submission not found", field=field)
    return KycSubmissionRecord.from_row(row)


async def list_submissions(
    *, principal: Principal, status: str | None, customer_id: uuid.UUID | None, customer_given: bool,
    first: int | None, after: str | None, last: int | None = None, before: str | None = None,
) -> Page[KycSubmissionRecord]:
    """Readable submissions, oldest first (for staff filtered to PENDING: the review queue)."""
    query = readable_submissions(principal)
    if status is not None:
        query = query.filter(status=KycStatus(status))
    if customer_given:
        customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
        query = query.filter(customer_id=customer.id)
    return map_page(await keyset_page(query, first=first, after=after, last=last, before=before), KycSubmissionRecord.from_row)


async def decrypted(submission: KycSubmissionRecord, column: str) -> str | None:
    """One identity value in clear (None when not sent); PiiUnreadable when it fails its integrity check."""
    token = getattr(submission.ciphertexts, column)
    if token is None:
        return None
    context = pii_context(_TABLE, column, submission.id)
    try:
        return await decrypt_value(token, context=context)
    except PiiIntegrityError:
        log.error("stored PII at %s failed its integrity check", context)  # the place, never the value
        raise PiiUnreadable("this stored value failed its integrity check and is not shown") from None


async def masked(submission: KycSubmissionRecord, field: str) -> str | None:
    """One identity value masked to its last four characters."""
    value = await decrypted(submission, PII_FIELDS[field])
    return None if value is None else mask(value)


@dataclass(frozen=True)
class MaskedOwner:
    legal_name: str
    date_of_birth: str
    nationality: str
    ownership_bps: int


@dataclass(frozen=True)
class MaskedBusiness:
    company_name: str
    registration_number: str
    incorporation_country: str
    incorporation_date: str
    beneficial_owners: list[MaskedOwner]


async def masked_business(submission: KycSubmissionRecord) -> MaskedBusiness | None:
    """The business data with names, numbers and dates masked (countries and ownership shares as sent)."""
    raw = await decrypted(submission, "business_enc")
    if raw is None:
        return None
    data: dict[str, Any] = json.loads(raw)
    return MaskedBusiness(
        company_name=mask(data["companyName"]), registration_number=mask(data["registrationNumber"]),
        incorporation_country=data["incorporationCountry"], incorporation_date=mask(data["incorporationDate"]),
        beneficial_owners=[
            MaskedOwner(legal_name=mask(o["legalName"]), date_of_birth=mask(o["dateOfBirth"]),
                        nationality=o["nationality"], ownership_bps=int(o["ownershipBps"]))
            for o in data["beneficialOwners"]
        ],
    )


def visible_review_reason(principal: Principal, submission: KycSubmissionRecord) -> str | None:
    """The reviewer's reason: for staff always; for partners only when more information is asked for.

    A rejection's reason may concern sanctions or suspicion, which the customer
    must not be tipped off about, so it stays with the bank.
    """
    if is_staff(principal) or submission.status == KycStatus.NEEDS_INFO:
        return submission.review_reason
    return None
