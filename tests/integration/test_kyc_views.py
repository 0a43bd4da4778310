"""services.kyc.views: who reads which KYC submissions, and identity data masked to its last four characters."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import KycSubmission
from models.enums import CustomerKind, KycStatus
from models.ids import uuid7
from services.customers import create_customer
from services.errors import NotFound, PiiUnreadable
from services.kyc.records import KycSubmissionRecord
from services.kyc.views import (
    PII_FIELDS, MaskedBusiness, MaskedOwner, decrypted, get_submission, list_submissions, masked, masked_business,
    readable_submissions, visible_review_reason,
)
from services.pii.envelope import encrypt_value, mask
from services.pii.registry import pii_context
from tests.integration.service_support import new_partner

TABLE = KycSubmission._meta.db_table
STAFF = Principal(kind="staff", subject=str(uuid.UUID(int=7)), partner_id=None, role="compliance",
                  scopes=frozenset({"kyc:read"}))
BUSINESS = {
    "companyName": "Jasmine Tea Trading Ltd", "registrationNumber": "91310000MA1K4XYZ12", "incorporationCountry": "CN",
    "incorporationDate": "2015-06-01",
    "beneficialOwners": [{"legalName": "Wang Xiaoming", "dateOfBirth": "1980-02-03", "nationality": "CN", "ownershipBps": 6000}],
}


async def submission(principal: Principal, *, status: KycStatus = KycStatus.PENDING, business: bool = False,
                     reason: str | None = None) -> tuple[KycSubmissionRecord, uuid.UUID]:
    """A stored submission of a new customer of the partner, encrypted as the KYC service stores it (as its record)."""
    customer = await create_customer(principal=principal, external_ref=f"kyc-{uuid.uuid4().hex[:10]}",
                                     kind="BUSINESS" if business else "INDIVIDUAL", display_name="KYC", country="CN")
    row_id = uuid7()  # time-ordered, as the service makes them
    plain = {"legal_name_enc": "Wang Xiaoming", "id_number_enc": "110101198002031234", "address_enc": "1 Tea Road, Hangzhou",
             "date_of_birth_enc": None if business else "1980-02-03",
             "business_enc": json.dumps(BUSINESS) if business else None}
    async with in_transaction():
        encrypted = {c: None if v is None else await encrypt_value(v, context=pii_context(TABLE, c, row_id)) for c, v in plain.items()}
        row = await KycSubmission.create(
            id=row_id, partner_id=principal.partner_id, customer_id=customer.id, status=status, review_reason=reason,
            subject_kind=CustomerKind.BUSINESS if business else CustomerKind.INDIVIDUAL, nationality="CN",
            id_type="NATIONAL_ID", documents=[], **encrypted,
        )
    return KycSubmissionRecord.from_row(row), customer.id


async def test_a_partner_reads_its_own_submissions_and_not_anothers(database_url):
    mine, theirs = await new_partner("kyc-views"), await new_partner("kyc-views")
    own, _ = await submission(mine)
    other, _ = await submission(theirs)
    assert await get_submission(principal=mine, submission_id=own.id) == own  # the record, ciphertexts and all
    for missing in (other.id, uuid.uuid4(), None):
        with pytest.raises(NotFound) as caught:
            await get_submission(principal=mine, submission_id=missing, field=["submissionId"])
        assert caught.value.field == ["submissionId"]
    assert (await get_submission(principal=STAFF, submission_id=other.id)).id == other.id
    assert await readable_submissions(mine).filter(id__in=[own.id, other.id]).count() == 1


async def test_a_customer_token_reads_only_its_own_customers_submission(database_url):
    partner = await new_partner("kyc-views")
    first, first_customer = await submission(partner)
    second, _ = await submission(partner)
    frontend = replace(partner, kind="customer", customer_id=first_customer)
    assert (await get_submission(principal=frontend, submission_id=first.id)).id == first.id
    with pytest.raises(NotFound):
        await get_submission(principal=frontend, submission_id=second.id)


async def test_listing_filters_by_status_and_customer_oldest_first(database_url):
    partner = await new_partner("kyc-views")
    pending, customer = await submission(partner)
    approved, _ = await submission(partner, status=KycStatus.APPROVED)
    later, _ = await submission(partner)
    listed = dict(principal=partner, customer_id=None, customer_given=False, first=10, after=None)
    page = await list_submissions(**listed, status=None)
    assert page.items == sorted([pending, approved, later], key=lambda record: record.id)  # records, oldest first
    assert [s.id for s in (await list_submissions(**listed, status="PENDING")).items] == sorted([pending.id, later.id])
    one = {**listed, "customer_id": customer, "customer_given": True}
    assert [s.id for s in (await list_submissions(**one, status=None)).items] == [pending.id]
    with pytest.raises(NotFound) as caught:
        await list_submissions(**{**one, "customer_id": uuid.uuid4()}, status=None)
    assert caught.value.field == ["customerId"]
    with pytest.raises(ValueError):
        await list_submissions(**listed, status="SOMETIMES")


async def test_values_are_shown_masked_and_read_in_clear_only_through_decrypted(database_url):
    partner = await new_partner("kyc-views")
    row, _ = await submission(partner)
    assert set(PII_FIELDS.values()) == {"legal_name_enc", "date_of_birth_enc", "id_number_enc", "address_enc", "business_enc"}
    assert await decrypted(row, "id_number_enc") == "110101198002031234"
    assert await masked(row, "ID_NUMBER") == mask("110101198002031234")
    assert (await masked(row, "ID_NUMBER")).endswith("1234") and "110101" not in await masked(row, "ID_NUMBER")  # type: ignore[operator]
    assert await masked(row, "DATE_OF_BIRTH") == mask("1980-02-03") and "02" not in await masked(row, "DATE_OF_BIRTH")  # type: ignore[operator]
    assert await masked(row, "BUSINESS") is None
    assert await masked_business(row) is None


async def test_business_data_is_masked_but_countries_and_shares_are_shown(database_url):
    partner = await new_partner("kyc-views")
    row, _ = await submission(partner, business=True)
    assert await masked_business(row) == MaskedBusiness(
        company_name=mask("Jasmine Tea Trading Ltd"), registration_number=mask("91310000MA1K4XYZ12"),
        incorporation_country="CN", incorporation_date=mask("2015-06-01"),
        beneficial_owners=[MaskedOwner(legal_name=mask("Wang Xiaoming"), date_of_birth=mask("1980-02-03"),
                                       nationality="CN", ownership_bps=6000)],
    )


async def test_a_value_moved_to_another_row_fails_its_integrity_check(database_url):
    partner = await new_partner("kyc-views")
    row, _ = await submission(partner)
    other, _ = await submission(partner)
    # A ciphertext is bound to its table, column and row.
    moved = replace(row, ciphertexts=replace(row.ciphertexts, id_number_enc=other.ciphertexts.id_number_enc))
    with pytest.raises(PiiUnreadable):
        await decrypted(moved, "id_number_enc")


async def test_a_review_reason_is_for_staff_and_for_partners_only_when_more_is_asked(database_url):
    partner = await new_partner("kyc-views")
    rejected, _ = await submission(partner, status=KycStatus.REJECTED, reason="possible sanctions match")
    needs_info, _ = await submission(partner, status=KycStatus.NEEDS_INFO, reason="the address proof is unreadable")
    assert visible_review_reason(STAFF, rejected) == "possible sanctions match"
    assert visible_review_reason(partner, rejected) is None  # no tipping off
    assert visible_review_reason(partner, needs_info) == "the address proof is unreadable"
