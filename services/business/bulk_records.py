"""What the bulk payout services hand to the API layer: plain records of a batch and of its lines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models.bulk_payout import BulkPayout, BulkPayoutLine
from services.outcome import ServiceResult

# Batch statuses: the file's lines are validated at upload; then it waits for approval (above the threshold) or is
# READY; bulkPayoutExecute runs it (EXECUTING) until every valid line is paid or failed.
INVALID, AWAITING_APPROVAL, READY, EXECUTING = "INVALID", "AWAITING_APPROVAL", "READY", "EXECUTING"
COMPLETED, COMPLETED_WITH_FAILURES = "COMPLETED", "COMPLETED_WITH_FAILURES"
FINISHED = (COMPLETED, COMPLETED_WITH_FAILURES)
ALL_OR_NOTHING, PARTIAL = "ALL_OR_NOTHING", "PARTIAL"
MODES = (ALL_OR_NOTHING, PARTIAL)
# Line statuses.
LINE_INVALID, LINE_PENDING, LINE_PAID, LINE_FAILED = "INVALID", "PENDING", "PAID", "FAILED"


@dataclass(frozen=True)
class LineCounts:
    """How a batch's lines stand now (read from the lines themselves, so progress is always current)."""

    pending: int = 0
    paid: int = 0
    failed: int = 0
    invalid: int = 0
    paid_minor: int = 0


@dataclass(frozen=True, kw_only=True)
class BulkPayoutRecord(ServiceResult):
    """A bulk payout batch and where it stands."""

    audit_type = "BulkPayout"
    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    from_wallet_id: uuid.UUID
    currency: str
    mode: str
    status: str
    line_count: int
    valid_count: int
    invalid_count: int
    total_minor: int
    counts: LineCounts
    maker_member_id: uuid.UUID | None
    checker_member_id: uuid.UUID | None
    approved_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    replayed: bool = False

    @classmethod
    def of(cls, row: BulkPayout, counts: LineCounts, *, replayed: bool = False) -> BulkPayoutRecord:
        """The record of a stored batch with its current line counts."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            from_wallet_id=row.from_wallet_id, currency=row.currency, mode=row.mode,  # type: ignore[attr-defined]
            status=row.status, line_count=row.line_count, valid_count=row.valid_count,
            invalid_count=row.invalid_count, total_minor=row.total_minor, counts=counts,
            maker_member_id=row.maker_member_id, checker_member_id=row.checker_member_id, approved_at=row.approved_at,
            created_at=row.created_at, started_at=row.started_at, completed_at=row.completed_at, replayed=replayed,
        )


@dataclass(frozen=True)
class BulkLineRecord:
    """One line of a batch: what it asked, its validation error or payment result."""

    id: uuid.UUID
    bulk_payout_id: uuid.UUID
    line_number: int
    raw_line: str
    beneficiary_kind: str | None
    beneficiary_id: uuid.UUID | None
    amount_minor: int | None
    currency: str
    reference: str | None
    status: str
    error_code: str | None
    error_message: str | None
    transaction_id: uuid.UUID | None

    @classmethod
    def of(cls, row: BulkPayoutLine, currency: str) -> BulkLineRecord:
        """The record of a stored line."""
        return cls(
            id=row.id, bulk_payout_id=row.bulk_payout_id, line_number=row.line_number,  # type: ignore[attr-defined]
            raw_line=row.raw_line, beneficiary_kind=row.beneficiary_kind, beneficiary_id=row.beneficiary_id,
            amount_minor=row.amount_minor, currency=currency, reference=row.reference, status=row.status,
            error_code=row.error_code, error_message=row.error_message, transaction_id=row.transaction_id,
        )
