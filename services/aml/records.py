"""AML alerts as the services hand them out: `AlertRecord`, never the stored row.

(Cases and case notes have their records next to the services that change them: services.aml.cases.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from models import AmlAlert
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class AlertRecord(ServiceResult):
    """An AML alert as services hand it out (the stored row's fields)."""

    audit_type: ClassVar[str] = "AmlAlert"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    wallet_id: uuid.UUID | None
    transaction_id: uuid.UUID | None
    case_id: uuid.UUID | None
    rule: str
    severity: str  # LOW, MEDIUM, HIGH
    action: str  # ALERT, HOLD
    status: str  # OPEN, RELEASED, REJECTED, DISMISSED
    details: dict[str, Any]  # what the rule measured (amounts, counts, thresholds)
    resolved_by: str | None
    resolution_reason: str | None
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: AmlAlert) -> AlertRecord:
        """The record of a stored alert row."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            wallet_id=row.wallet_id, transaction_id=row.transaction_id, case_id=row.case_id,  # type: ignore[attr-defined]
            rule=row.rule, severity=row.severity, action=row.action, status=row.status, details=row.details or {},
            resolved_by=row.resolved_by, resolution_reason=row.resolution_reason, created_at=row.created_at,
            resolved_at=row.resolved_at,
        )
