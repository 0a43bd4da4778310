"""What the dispute services hand to the API layer: a dispute as a plain record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models import Dispute
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class DisputeRecord(ServiceResult):
    """A payer's dispute of a payment, as stored."""

    audit_type = "Dispute"
    id: uuid.UUID
    ticket_id: uuid.UUID
    payment_id: uuid.UUID
    partner_id: uuid.UUID  # the payer's partner
    merchant_partner_id: uuid.UUID
    reason_code: str
    status: str
    amount_minor: int
    currency: str
    respond_by: datetime
    evidence: str | None
    responded_at: datetime | None
    outcome: str | None
    decided_at: datetime | None
    refund_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: Dispute, *, audited: bool = False) -> DisputeRecord:
        """The record of a stored dispute."""
        return cls(
            id=row.id, ticket_id=row.ticket_id, payment_id=row.payment_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
            merchant_partner_id=row.merchant_partner_id, reason_code=row.reason_code,  # type: ignore[attr-defined]
            status=row.status, amount_minor=row.amount_minor, currency=row.currency, respond_by=row.respond_by,
            evidence=row.evidence, responded_at=row.responded_at, outcome=row.outcome, decided_at=row.decided_at,
            refund_id=row.refund_id, created_at=row.created_at, audited=audited,  # type: ignore[attr-defined]
        )
