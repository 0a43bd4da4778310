"""What the international transfer services hand to the API layer: plain records, never the travel-rule data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models import InternationalTransfer
from services.ledger.records import TransactionRecord
from services.outcome import AuditTarget, ServiceResult


@dataclass(frozen=True, kw_only=True)
class InternationalTransferRecord(ServiceResult):
    """One payment to a beneficiary abroad, with where its rail transfer is (status)."""

    audit_type: ClassVar[str] = "InternationalTransfer"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    wallet_id: uuid.UUID
    beneficiary_id: uuid.UUID
    transaction_id: uuid.UUID
    rail_transfer_id: uuid.UUID
    quote_id: uuid.UUID
    purpose_code: str | None
    destination_country: str
    sell_amount_minor: int
    sell_currency: str
    buy_amount_minor: int
    buy_currency: str
    fee_minor: int
    customer_rate_e9: int
    quota_year: int | None
    quota_currency: str | None
    quota_minor: int
    compliance_review: bool
    status: str  # the rail transfer's status (SUBMITTING ... SETTLED, FAILED, RETURNED)
    created_at: datetime

    @classmethod
    def from_row(cls, row: InternationalTransfer, status: str, *, audited: bool = False) -> InternationalTransferRecord:
        """The record of a stored transfer whose rail transfer is in `status`."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            wallet_id=row.wallet_id, beneficiary_id=row.beneficiary_id,  # type: ignore[attr-defined]
            transaction_id=row.transaction_id, rail_transfer_id=row.rail_transfer_id,  # type: ignore[attr-defined]
            quote_id=row.quote_id, purpose_code=row.purpose_code, destination_country=row.destination_country,
            sell_amount_minor=row.sell_amount_minor, sell_currency=row.sell_currency,
            buy_amount_minor=row.buy_amount_minor, buy_currency=row.buy_currency, fee_minor=row.fee_minor,
            customer_rate_e9=row.customer_rate_e9, quota_year=row.quota_year, quota_currency=row.quota_currency,
            quota_minor=row.quota_minor, compliance_review=row.compliance_review, status=status,
            created_at=row.created_at, audited=audited,
        )


@dataclass(frozen=True, kw_only=True)
class InternationalTransferResult(ServiceResult):
    """internationalTransferCreate's answer: the transaction (a dry run's preview), and the transfer (None: dry run)."""

    audit_type: ClassVar[str] = "Transaction"

    transaction: TransactionRecord
    transfer: InternationalTransferRecord | None
    customer_rate_e9: int

    def audit_target(self) -> AuditTarget | None:
        """The audit row names the transaction."""
        return self.transaction.audit_target()
