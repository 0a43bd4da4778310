"""kycSubmit: a partner sends one customer's identity data; it is validated, encrypted, screened and left PENDING.

(A sandbox partner's magic idNumber decides it at once instead: services.kyc.sandbox.)

Nothing personal is written in clear: every identity value is encrypted
(services.pii) with the submission's id in its context before the row is
inserted, and neither logs nor error messages repeat a value.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer, KycSubmission
from models.enums import CustomerKind, CustomerStatus, KycStatus
from models.ids import uuid7
from services.authority import require_partner_token
from services.errors import CustomerStateConflict, KycAlreadyPending
from services.events import record_domain_event
from services.kyc.application import CleanApplication, KycApplication, clean_application
from services.kyc.records import KycSubmissionRecord
from services.kyc.sandbox import apply_magic_decision, magic_decision
from services.pii import encrypt_values, pii_context
from services.scoping import get_scoped
from services.screening.customer_screening import announce_after_hold, screen_customer

_TABLE = KycSubmission._meta.db_table
_PENDING_MESSAGE = "this customer already has a KYC submission waiting for review"


async def _encrypted(submission_id: uuid.UUID, clean: CleanApplication) -> dict[str, str | None]:
    """The *_enc columns of the row: each value bound to this row and column."""
    plain = {
        "legal_name_enc": clean.legal_name,
        "date_of_birth_enc": clean.date_of_birth,
        "id_number_enc": clean.id_number,
        "address_enc": clean.address,
        "business_enc": json.dumps(clean.business, separators=(",", ":"), ensure_ascii=False) if clean.business else None,
    }
    contexts = {column: pii_context(_TABLE, column, submission_id) for column, value in plain.items() if value is not None}
    tokens = await encrypt_values({contexts[column]: plain[column] for column in contexts})  # type: ignore[misc]
    return {column: tokens[contexts[column]] if column in contexts else None for column in plain}


def _strongest(results: list[tuple[str, dict[str, Any] | None]]) -> dict[str, Any] | None:
    """One summary for the row: the highest-scoring hit, else the subject's result (no names, only list ids)."""
    screened = [(party, summary) for party, summary in results if summary]
    if not screened:
        return None
    hits = [(party, summary) for party, summary in screened if summary.get("hit")]
    party, chosen = max(hits, key=lambda item: item[1].get("score") or 0) if hits else screened[0]
    return {**chosen, "party": party, "screened": len(results)}


async def _screen(customer: Customer, clean: CleanApplication, conn: BaseDBAsyncClient) -> dict[str, Any] | None:
    """Screen the subject (and a business's beneficial owners) against the watchlists, inside the transaction."""
    parties: list[tuple[str, str, str | None, str | None]] = [("subject", clean.legal_name, clean.date_of_birth, clean.nationality)]
    for index, owner in enumerate((clean.business or {}).get("beneficialOwners", [])):  # type: ignore[union-attr]
        parties.append((f"beneficialOwners.{index}", owner["legalName"], owner["dateOfBirth"], owner["nationality"]))
    results = []
    for party, name, date_of_birth, country in parties:
        # On a hit, screen_customer itself holds the customer and raises the alert in this transaction.
        summary = await screen_customer(customer=customer, name=name, date_of_birth=date_of_birth, country=country, using_db=conn)
        results.append((party, summary))
    return _strongest(results)


async def submit_kyc(*, principal: Principal, customer_id: uuid.UUID | None, application: KycApplication) -> KycSubmissionRecord:
    """Validate, encrypt and screen one customer's KYC data; the customer's KYC status becomes PENDING."""
    require_partner_token(principal)  # the schema lets only partner tokens through
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    if customer.status == CustomerStatus.CLOSED:
        raise CustomerStateConflict("this customer is closed: no KYC submissions", field=["customerId"])
    clean = clean_application(application, kind=CustomerKind(customer.kind))
    if await KycSubmission.filter(open_customer_key=str(customer.id)).exists():
        raise KycAlreadyPending(_PENDING_MESSAGE, field=["customerId"])
    magic = await magic_decision(customer, clean.id_number)  # a sandbox partner's magic idNumber, else None
    submission_id = uuid7()  # first: the ciphertexts are bound to it
    async with in_transaction() as conn:
        columns = await _encrypted(submission_id, clean)
        try:
            submission = await KycSubmission.create(
                id=submission_id, partner_id=customer.partner_id, customer_id=customer.id, status=KycStatus.PENDING,
                # Unique while PENDING: of two concurrent submissions, the second insert fails here.
                open_customer_key=str(customer.id), subject_kind=customer.kind, nationality=clean.nationality,
                id_type=clean.id_type, documents=clean.documents, using_db=conn, **columns,
            )
        except IntegrityError:
            raise KycAlreadyPending(_PENDING_MESSAGE, field=["customerId"]) from None
        customer.kyc_status = KycStatus.PENDING
        await customer.save(update_fields=["kyc_status"], using_db=conn)
        submission.screening = await _screen(customer, clean, conn)
        await submission.save(update_fields=["screening"], using_db=conn)
        await record_domain_event(
            type="kyc.submitted", partner_id=customer.partner_id, object_type="KycSubmission", object_id=submission.id,
            payload={"submissionId": str(submission.id), "customerId": str(customer.id)}, using_db=conn,
        )
    record = KycSubmissionRecord.from_row(submission)
    if record.screening is not None and record.screening.hit:
        await announce_after_hold()  # the customer is now on hold: every worker forgets its standing
    if magic is not None:
        record = await apply_magic_decision(submission.id, magic)  # sandbox: decided at once, as the value asks
    return record
