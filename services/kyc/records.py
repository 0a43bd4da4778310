"""KYC submissions as the services hand them out: `KycSubmissionRecord`, never the stored row.

A record carries the identity columns only as their ciphertexts (each bound to
this submission's row and column, see services.pii); services.kyc.views
decrypts and masks them from the record, and kycReveal shows one in clear.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from models import KycSubmission
from models.enums import CustomerKind, KycStatus
from services.outcome import ServiceResult


@dataclass(frozen=True)
class KycDocumentRecord:
    """A document's fingerprint: the file stays with the partner."""

    type: str
    sha256: str
    file_name: str


@dataclass(frozen=True)
class KycScreeningRecord:
    """What watchlist screening found at submission: list and entry ids and a score, never a name."""

    hit: bool
    score: int | None  # match strength in basis points
    list_id: str | None
    entry_id: str | None
    party: str | None  # "subject", or "beneficialOwners.N" for a business's owner

    @classmethod
    def from_summary(cls, summary: dict[str, Any] | None) -> KycScreeningRecord | None:
        """The record of the stored screening summary (None when nothing was screened)."""
        if not summary:
            return None
        score, entry = summary.get("score"), summary.get("entryId")
        return cls(
            hit=bool(summary.get("hit")), score=int(score) if score is not None else None,
            list_id=summary.get("listId"), entry_id=str(entry) if entry is not None else None, party=summary.get("party"),
        )


@dataclass(frozen=True)
class KycCiphertexts:
    """The stored identity columns, as ciphertexts only (attribute names are the column names)."""

    legal_name_enc: str
    date_of_birth_enc: str | None
    id_number_enc: str
    address_enc: str
    business_enc: str | None

    def __repr__(self) -> str:  # ciphertexts are not secret, but they have no business in a log line either
        return "KycCiphertexts(...)"


@dataclass(frozen=True, kw_only=True)
class KycSubmissionRecord(ServiceResult):
    """A KYC submission as services hand it out: its plain fields and its identity values still encrypted."""

    audit_type: ClassVar[str] = "KycSubmission"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    status: KycStatus
    subject_kind: CustomerKind
    nationality: str
    id_type: str
    documents: tuple[KycDocumentRecord, ...]
    screening: KycScreeningRecord | None
    tier_granted: int | None
    review_reason: str | None
    reviewed_by: str | None
    submitted_at: datetime
    reviewed_at: datetime | None
    ciphertexts: KycCiphertexts = field(repr=False)  # decrypted only through services.kyc.views

    @classmethod
    def from_row(cls, row: KycSubmission) -> KycSubmissionRecord:
        """The record of a stored submission row."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            status=KycStatus(row.status), subject_kind=CustomerKind(row.subject_kind), nationality=row.nationality,
            id_type=row.id_type,
            documents=tuple(KycDocumentRecord(type=d["type"], sha256=d["sha256"], file_name=d["fileName"])
                            for d in row.documents or []),
            screening=KycScreeningRecord.from_summary(row.screening), tier_granted=row.tier_granted,
            review_reason=row.review_reason, reviewed_by=row.reviewed_by, submitted_at=row.submitted_at,
            reviewed_at=row.reviewed_at,
            ciphertexts=KycCiphertexts(
                legal_name_enc=row.legal_name_enc, date_of_birth_enc=row.date_of_birth_enc,
                id_number_enc=row.id_number_enc, address_enc=row.address_enc, business_enc=row.business_enc,
            ),
        )
