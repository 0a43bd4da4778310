"""What the funding services hand to the API layer: plain records, masked, never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models.funding import BankAccount, Card
from services.funding.bank_rules import masked
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class BankAccountRecord(ServiceResult):
    """A linked bank account as its partner, its customer and bank staff see it (number masked)."""

    audit_type: ClassVar[str] = "BankAccount"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    country: str
    currency: str
    bank_code: str | None
    masked_number: str
    holder_name: str
    name_match_score: float
    status: str
    verification_method: str
    status_reason: str | None
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: BankAccount, *, audited: bool = False) -> BankAccountRecord:
        """The record of a stored bank account."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            country=row.country, currency=row.currency, bank_code=row.bank_code, masked_number=masked(row.last_four),
            holder_name=row.holder_name, name_match_score=row.name_score_bps / 10000, status=row.status.value,
            verification_method=row.verification_method, status_reason=row.status_reason,
            verified_at=row.verified_at, created_at=row.created_at, updated_at=row.updated_at, audited=audited,
        )


@dataclass(frozen=True, kw_only=True)
class CardRecord(ServiceResult):
    """A linked card: brand, last four, expiry and holder name only."""

    audit_type: ClassVar[str] = "Card"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    brand: str
    last_four: str
    expiry_month: int
    expiry_year: int
    holder_name: str
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Card, *, audited: bool = False) -> CardRecord:
        """The record of a stored card."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            brand=row.brand, last_four=row.last_four, expiry_month=row.expiry_month, expiry_year=row.expiry_year,
            holder_name=row.holder_name, status=row.status.value, created_at=row.created_at,
            updated_at=row.updated_at, audited=audited,
        )
