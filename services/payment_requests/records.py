"""What the payment-request services hand to the API layer: plain records, never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from models import PaymentRequest
from services.fees.charging import Fee
from services.outcome import ServiceResult


@dataclass(frozen=True, kw_only=True)
class PaymentRequestRecord(ServiceResult):
    """A merchant-presented QR payment request as the merchant's partner sees it."""

    audit_type: ClassVar[str] = "PaymentRequest"

    id: uuid.UUID
    partner_id: uuid.UUID
    merchant_id: uuid.UUID
    amount_minor: int | None
    currency: str
    reference: str | None
    dynamic: bool
    single_use: bool
    expires_at: datetime | None
    paid_at: datetime | None
    payload: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: PaymentRequest) -> PaymentRequestRecord:
        """The record of a stored payment request row."""
        return cls(
            id=row.id, partner_id=row.partner_id, merchant_id=row.merchant_id,  # type: ignore[attr-defined]
            amount_minor=row.amount_minor, currency=row.currency, reference=row.reference, dynamic=row.dynamic,
            single_use=row.single_use, expires_at=row.expires_at, paid_at=row.paid_at, payload=row.payload,
            created_at=row.created_at,
        )


@dataclass(frozen=True, kw_only=True)
class MerchantFace:
    """What any payer may see of a merchant: no partner, customer, wallet or status."""

    id: uuid.UUID
    display_name: str
    mcc: str
    category_name: str | None
    city: str
    country: str


@dataclass(frozen=True, kw_only=True)
class QrPreview:
    """A valid, payable code as qrDecode shows it to the payer before anything moves."""

    merchant: MerchantFace
    payment_request_id: uuid.UUID
    amount_minor: int | None  # None: a static code, the payer enters the amount
    currency: str
    reference: str | None
    expires_at: datetime | None
    dynamic: bool
    single_use: bool
    # The fee preview (services.payments.qr_quote), once the amount is known: the payer's fee, and the merchant's
    # for the merchant's partner and bank staff (None otherwise).
    fee: Fee | None = None
    merchant_fee: Fee | None = None
    quoted_amount_minor: int | None = None  # the amount the fees are for
    discount_minor: int = 0  # issue 15: what the coupons and points asked for would take off (services.coupons)
