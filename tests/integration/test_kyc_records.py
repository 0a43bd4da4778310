"""services.kyc.records: the KYC services hand out KycSubmissionRecords (ciphertexts only), never the stored row.

Submitting, reviewing, reading and revealing go through the real services
(services.kyc.submission, review, views, reveal); every one answers with a
record, and a reveal is a ServiceResult whose audit row names the submission.
"""

from __future__ import annotations

import hashlib
import uuid

from auth.principal import Principal
from auth.roles import permissions_of
from models import Customer, KycSubmission
from models.enums import CustomerKind, KycStatus
from services.customers import create_customer
from services.kyc.application import DocumentIn, KycApplication
from services.kyc.records import KycCiphertexts, KycDocumentRecord, KycScreeningRecord, KycSubmissionRecord
from services.kyc.reveal import RevealedValue, reveal_pii
from services.kyc.review import review_kyc
from services.kyc.submission import submit_kyc
from services.kyc.views import get_submission, list_submissions, masked
from services.outcome import AuditTarget, ServiceResult
from services.pii import mask
from tests.integration.service_support import new_partner

COMPLIANCE = Principal(kind="staff", subject=str(uuid.UUID(int=11)), partner_id=None, role="compliance",
                       scopes=permissions_of("compliance"))
ID_NUMBER = "E12345678"
DIGEST = hashlib.sha256(b"passport scan").hexdigest()


def _application() -> KycApplication:
    return KycApplication(
        legal_name="Lin Meihua", date_of_birth="1985-04-12", nationality="cn", id_type="passport", id_number=ID_NUMBER,
        address="8 Willow Lane, Suzhou", documents=[DocumentIn(type="passport", sha256=DIGEST.upper(), file_name="scan.pdf")],
    )


async def _submitted() -> tuple[Principal, KycSubmissionRecord]:
    partner = await new_partner("kyc-records")
    customer = await create_customer(principal=partner, external_ref=f"kyc-rec-{uuid.uuid4().hex[:10]}",
                                     kind="INDIVIDUAL", display_name="Lin", country="CN")
    return partner, await submit_kyc(principal=partner, customer_id=customer.id, application=_application())


async def test_a_submission_is_handed_out_as_a_record_of_its_cleaned_values(database_url):
    partner, record = await _submitted()
    assert isinstance(record, KycSubmissionRecord) and isinstance(record, ServiceResult) and not record.audited
    assert (record.partner_id, record.status, record.subject_kind, record.nationality, record.id_type) == (
        partner.partner_id, KycStatus.PENDING, CustomerKind.INDIVIDUAL, "CN", "PASSPORT")
    assert record.documents == (KycDocumentRecord(type="PASSPORT", sha256=DIGEST, file_name="scan.pdf"),)
    assert record.screening is None or isinstance(record.screening, KycScreeningRecord)
    assert (record.tier_granted, record.review_reason, record.reviewed_by, record.reviewed_at) == (None, None, None, None)
    assert (await Customer.get(id=record.customer_id)).kyc_status == KycStatus.PENDING
    assert record.audit_target() == AuditTarget("KycSubmission", str(record.id), partner.partner_id)


async def test_a_record_carries_the_stored_ciphertexts_only_and_never_shows_them(database_url):
    partner, record = await _submitted()
    row = await KycSubmission.get(id=record.id)
    assert record.ciphertexts == KycCiphertexts(
        legal_name_enc=row.legal_name_enc, date_of_birth_enc=row.date_of_birth_enc, id_number_enc=row.id_number_enc,
        address_enc=row.address_enc, business_enc=None,
    )
    assert ID_NUMBER not in repr(record.ciphertexts) and "Lin Meihua" not in str(record.ciphertexts)
    assert row.id_number_enc not in repr(record) and "ciphertexts" not in repr(record)
    assert await masked(record, "ID_NUMBER") == mask(ID_NUMBER)  # the views work from the record alone


async def test_reads_and_the_review_answer_with_records(database_url):
    partner, submitted = await _submitted()
    assert await get_submission(principal=partner, submission_id=submitted.id) == submitted
    page = await list_submissions(principal=partner, status="PENDING", customer_id=submitted.customer_id,
                                  customer_given=True, first=5, after=None)
    assert page.items == [submitted]

    reviewed = await review_kyc(principal=COMPLIANCE, submission_id=submitted.id, decision="APPROVE",
                                reason="passport verified", tier=1)
    assert isinstance(reviewed, KycSubmissionRecord) and reviewed.id == submitted.id
    assert (reviewed.status, reviewed.tier_granted, reviewed.review_reason, reviewed.reviewed_by) == (
        KycStatus.APPROVED, 1, "passport verified", COMPLIANCE.subject)
    assert reviewed.reviewed_at is not None and reviewed.ciphertexts == submitted.ciphertexts
    assert await get_submission(principal=partner, submission_id=submitted.id) == reviewed


async def test_a_reveal_is_a_result_audited_as_the_submission_and_hides_its_value(database_url):
    partner, submitted = await _submitted()
    revealed = await reveal_pii(principal=COMPLIANCE, submission_id=submitted.id, field="ID_NUMBER",
                                reason="checking the passport number")
    assert isinstance(revealed, RevealedValue) and isinstance(revealed, ServiceResult)
    assert (revealed.submission, revealed.field, revealed.value, revealed.audited) == (submitted, "ID_NUMBER", ID_NUMBER, False)
    assert revealed.audit_target() == AuditTarget("KycSubmission", str(submitted.id), partner.partner_id)
    assert not hasattr(revealed, "_audit_object")
    assert ID_NUMBER not in repr(revealed)


def test_the_screening_summary_becomes_a_record_without_names():
    assert KycScreeningRecord.from_summary(None) is None
    assert KycScreeningRecord.from_summary({}) is None
    summary = {"hit": True, "score": 9100, "listId": "un-sc", "entryId": 42, "party": "beneficialOwners.1", "screened": 3}
    assert KycScreeningRecord.from_summary(summary) == KycScreeningRecord(
        hit=True, score=9100, list_id="un-sc", entry_id="42", party="beneficialOwners.1")
    assert KycScreeningRecord.from_summary({"hit": False, "score": None}) == KycScreeningRecord(
        hit=False, score=None, list_id=None, entry_id=None, party=None)
