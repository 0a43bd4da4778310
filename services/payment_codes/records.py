"""What the payment-code services hand to the API layer: a code as its owner sees it, as a plain record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import ClassVar

from models import PaymentCode
from services.outcome import ServiceResult


class PaymentCodeStatus(str, Enum):
    ACTIVE = "ACTIVE"  # unused and within its 60 seconds
    USED = "USED"  # collected by a merchant (once)
    EXPIRED = "EXPIRED"  # its 60 seconds passed unused


@dataclass(frozen=True)
class CodeImages:
    """The code as pictures a till can scan: a QR code (SVG and PNG data URLs) and a Code 128 barcode (SVG)."""

    qr_svg: str
    qr_png: str
    barcode_svg: str


@dataclass(frozen=True, kw_only=True)
class PaymentCodeRecord(ServiceResult):
    """A customer-presented payment code; the code itself and its pictures only in paymentCodeCreate's answer."""

    audit_type: ClassVar[str] = "PaymentCode"

    id: uuid.UUID
    partner_id: uuid.UUID  # the wallet's partner
    wallet_id: uuid.UUID
    last_digits: str
    currency: str
    max_amount_minor: int | None
    status: PaymentCodeStatus
    expires_at: datetime
    used_at: datetime | None
    payment_id: uuid.UUID | None
    created_at: datetime
    code: str | None = None  # shown once, when issued; never stored
    images: CodeImages | None = None

    @classmethod
    def from_row(cls, row: PaymentCode, *, now: datetime, code: str | None = None,
                 images: CodeImages | None = None) -> PaymentCodeRecord:
        """The record of a stored code, its status as of `now`."""
        if row.used_at is not None:
            status = PaymentCodeStatus.USED
        elif row.expires_at <= now:
            status = PaymentCodeStatus.EXPIRED
        else:
            status = PaymentCodeStatus.ACTIVE
        return cls(
            id=row.id, partner_id=row.partner_id, wallet_id=row.wallet_id,  # type: ignore[attr-defined]
            last_digits=row.last_digits, currency=row.currency, max_amount_minor=row.max_amount_minor, status=status,
            expires_at=row.expires_at, used_at=row.used_at, payment_id=row.payment_id, created_at=row.created_at,
            code=code, images=images,
        )
