"""What the payments services hand to the API layer: payments to merchants and refunds, as plain records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from models import Payment, Refund
from models.enums import TransactionStatus
from services.fees.merchant_fee import merchant_fee_minor
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class RefundRecord(ServiceResult):
    """Money a merchant gave back on a payment (one REFUND transaction)."""

    audit_type: ClassVar[str] = "Refund"

    id: uuid.UUID
    payment_id: uuid.UUID
    partner_id: uuid.UUID  # the merchant's partner
    transaction_id: uuid.UUID
    amount_minor: int
    currency: str
    reason: str
    created_at: datetime
    dry_run: bool = False
    merchant_fee_returned_minor: int = 0  # what the refund gave back of the payment's merchant fee

    @classmethod
    def from_row(cls, row: Refund, *, fee_breakdown: dict[str, Any] | None) -> RefundRecord:
        """The record of a stored refund, given its transaction's fee breakdown."""
        return cls(id=row.id, payment_id=row.payment_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
                   transaction_id=row.transaction_id, amount_minor=row.amount_minor,  # type: ignore[attr-defined]
                   currency=row.currency, reason=row.reason, created_at=row.created_at,
                   merchant_fee_returned_minor=-merchant_fee_minor(fee_breakdown))


@dataclass(frozen=True, kw_only=True)
class PaymentRecord(ServiceResult):
    """A payment to a merchant, with the status of its transaction and what was refunded so far."""

    audit_type: ClassVar[str] = "Payment"

    id: uuid.UUID
    partner_id: uuid.UUID  # the payer's partner
    merchant_partner_id: uuid.UUID
    merchant_id: uuid.UUID
    payment_request_id: uuid.UUID | None
    transaction_id: uuid.UUID
    payer_wallet_id: uuid.UUID
    amount_minor: int
    fee_minor: int
    currency: str
    refunded_minor: int
    status: TransactionStatus
    created_at: datetime
    dry_run: bool = False
    merchant_fee_minor: int = 0  # the merchant's fee (RECEIVER rules), out of what its settlement wallet received

    @classmethod
    def from_row(cls, row: Payment, *, status: TransactionStatus, fee_minor: int, audited: bool = False,
                 merchant_fee_minor: int = 0) -> PaymentRecord:
        """The record of a stored payment, with its transaction's status and fees."""
        return cls(
            id=row.id, partner_id=row.partner_id, merchant_partner_id=row.merchant_partner_id,  # type: ignore[attr-defined]
            merchant_id=row.merchant_id, payment_request_id=row.payment_request_id,  # type: ignore[attr-defined]
            transaction_id=row.transaction_id, payer_wallet_id=row.payer_wallet_id,  # type: ignore[attr-defined]
            amount_minor=row.amount_minor, fee_minor=fee_minor, currency=row.currency,
            refunded_minor=row.refunded_minor, status=status, created_at=row.created_at, audited=audited,
            merchant_fee_minor=merchant_fee_minor,
        )
