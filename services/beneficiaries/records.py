"""What the beneficiary services hand to the API layer: plain records, the number masked, the address never."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models import Beneficiary
from services.funding.bank_rules import masked
from services.outcome import ServiceResult

ACTIVE, NEEDS_REVIEW, REJECTED, DELETED = "ACTIVE", "NEEDS_REVIEW", "REJECTED", "DELETED"


@dataclass(frozen=True, kw_only=True)
class BeneficiaryRecord(ServiceResult):
    """A beneficiary as its partner, its customer and bank staff see it (number masked, no address)."""

    audit_type: ClassVar[str] = "Beneficiary"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    country: str
    currency: str
    bic: str
    number_kind: str
    masked_number: str
    status: str
    screening_score: float
    status_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Beneficiary, *, audited: bool = False) -> BeneficiaryRecord:
        """The record of a stored beneficiary."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            name=row.name, country=row.country, currency=row.currency, bic=row.bic, number_kind=row.number_kind,
            masked_number=masked(row.last_four), status=row.status, screening_score=row.screening_score_bps / 10000,
            status_reason=row.status_reason, created_at=row.created_at, updated_at=row.updated_at, audited=audited,
        )
