"""What the merchant services hand to the API layer: plain records, never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models import Merchant
from models.enums import MerchantStatus, SettlementTiming
from services.outcome import ServiceResult
from services.payments import mcc


@dataclass(frozen=True, kw_only=True)
class MerchantRecord(ServiceResult):
    """A merchant as its partner (and bank staff) see it."""

    audit_type: ClassVar[str] = "Merchant"

    id: uuid.UUID
    partner_id: uuid.UUID
    customer_id: uuid.UUID
    settlement_wallet_id: uuid.UUID
    display_name: str
    mcc: str
    category_name: str | None
    city: str
    country: str
    status: MerchantStatus
    status_reason: str | None
    created_at: datetime
    updated_at: datetime
    settlement: SettlementTiming = SettlementTiming.IMMEDIATE

    @classmethod
    def from_row(cls, row: Merchant, *, audited: bool = False) -> MerchantRecord:
        """The record of a stored merchant row."""
        return cls(
            id=row.id, partner_id=row.partner_id, customer_id=row.customer_id,  # type: ignore[attr-defined]
            settlement_wallet_id=row.settlement_wallet_id, display_name=row.display_name,  # type: ignore[attr-defined]
            mcc=row.mcc, category_name=mcc.category_name(row.mcc), city=row.city, country=row.country,
            status=MerchantStatus(row.status), status_reason=row.status_reason, created_at=row.created_at,
            updated_at=row.updated_at, settlement=SettlementTiming(row.settlement), audited=audited,
        )
