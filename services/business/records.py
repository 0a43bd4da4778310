"""What the business services hand to the API layer: plain records (services.outcome.ServiceResult), never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models.business import BusinessApprovalPolicy, BusinessMember, PayoutRequest
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class MemberRecord(ServiceResult):
    """A business member."""

    audit_type = "BusinessMember"
    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    role: str
    status: str
    created_at: datetime
    removed_at: datetime | None

    @classmethod
    def of(cls, row: BusinessMember) -> MemberRecord:
        """The record of a stored member."""
        return cls(id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
                   name=row.name, role=row.role, status=row.status, created_at=row.created_at,
                   removed_at=row.removed_at)


@dataclass(frozen=True, kw_only=True)
class PolicyRecord(ServiceResult):
    """A business's approval threshold in one currency."""

    audit_type = "BusinessApprovalPolicy"
    id: uuid.UUID
    customer_id: uuid.UUID
    partner_id: uuid.UUID
    currency: str
    threshold_minor: int
    updated_at: datetime

    @classmethod
    def of(cls, row: BusinessApprovalPolicy) -> PolicyRecord:
        """The record of a stored policy."""
        return cls(id=row.id, customer_id=row.customer_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
                   currency=row.currency, threshold_minor=row.threshold_minor, updated_at=row.updated_at)


@dataclass(frozen=True, kw_only=True)
class PayoutRequestRecord(ServiceResult):
    """A payout request and where it stands."""

    audit_type = "PayoutRequest"
    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    from_wallet_id: uuid.UUID
    to_wallet_id: uuid.UUID | None
    amount_minor: int
    currency: str
    memo: str | None
    status: str
    maker_member_id: uuid.UUID
    checker_member_id: uuid.UUID | None
    transaction_id: uuid.UUID
    reason: str | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    replayed: bool = False

    @classmethod
    def of(cls, row: PayoutRequest, *, replayed: bool = False) -> PayoutRequestRecord:
        """The record of a stored payout request."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            kind=row.kind, from_wallet_id=row.from_wallet_id, to_wallet_id=row.to_wallet_id,
            amount_minor=row.amount_minor, currency=row.currency, memo=row.memo, status=row.status,
            maker_member_id=row.maker_member_id, checker_member_id=row.checker_member_id,
            transaction_id=row.transaction_id, reason=row.reason, created_at=row.created_at,
            expires_at=row.expires_at, decided_at=row.decided_at, replayed=replayed,
        )
