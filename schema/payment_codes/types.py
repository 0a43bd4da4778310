"""PaymentCode: a wallet's one-time code for a merchant to scan (the code and its pictures only when issued)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.money import Money
from schema.common.relay import Node, to_global_id
from services.payment_codes.records import PaymentCodeRecord


@strawberry.enum(description="Where a customer-presented payment code stands.")
class PaymentCodeStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Unused and within its 60 seconds: a merchant can collect it.")
    USED = strawberry.enum_value("USED", description="Collected by a merchant (paymentCollect): a code works once.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Its 60 seconds passed unused: show a fresh code.")


@strawberry.type(
    description="A one-time numeric code a customer's app shows (as digits, a QR code and a barcode) for a merchant to"
    " scan: the merchant's partner collects it with paymentCollect, once, within 60 seconds. Only its hash is stored:"
    " the code and its pictures are in paymentCodeCreate's answer and never again. Visible to the wallet's partner"
    " (and that customer's own token) and to bank staff."
)
class PaymentCode(Node):
    id: strawberry.ID = strawberry.field(description="The payment code's opaque global ID (not the code).")
    wallet_id: strawberry.ID = strawberry.field(description="The wallet that pays when the code is collected.")
    code: str | None = strawberry.field(
        description="The code: 20 digits to show (a bearer token: anyone who reads it can collect it within 60"
        " seconds). Only in paymentCodeCreate's answer; null when read later."
    )
    last_digits: str = strawberry.field(description="The code's last 4 digits, to tell codes apart.")
    max_amount: Money | None = strawberry.field(
        description="The most a merchant may collect with it (paymentCollect answers LIMIT_EXCEEDED above it); null:"
        " no cap of the customer's own (the wallet's balance and limits still apply)."
    )
    status: PaymentCodeStatus = strawberry.field(description="ACTIVE, USED or EXPIRED, as of this answer.")
    expires_at: datetime = strawberry.field(description="When it stops working (UTC): 60 seconds after it was issued.")
    used_at: datetime | None = strawberry.field(description="When a merchant collected it (UTC); null until then.")
    payment_id: strawberry.ID | None = strawberry.field(
        description="The payment that collected it (a Payment ID); null until then."
    )
    created_at: datetime = strawberry.field(description="When it was issued (UTC).")
    qr_svg: str | None = strawberry.field(
        description="The code as a QR code (level M, byte mode: exactly the digits), an SVG data URL. Only in"
        " paymentCodeCreate's answer."
    )
    qr_png: str | None = strawberry.field(
        description="The same QR code as a PNG data URL (8 pixels a module). Only in paymentCodeCreate's answer."
    )
    barcode_svg: str | None = strawberry.field(
        description="The code as a Code 128 barcode (no digits printed under it), an SVG data URL. Only in"
        " paymentCodeCreate's answer."
    )

    @classmethod
    def from_record(cls, record: PaymentCodeRecord) -> PaymentCode:
        """The GraphQL view of a payment code."""
        images = record.images
        return cls(
            id=to_global_id("PaymentCode", record.id), wallet_id=to_global_id("Wallet", record.wallet_id),  # type: ignore[arg-type]
            code=record.code, last_digits=record.last_digits,
            max_amount=Money.of(record.max_amount_minor, record.currency) if record.max_amount_minor is not None else None,
            status=PaymentCodeStatus(record.status.value), expires_at=record.expires_at, used_at=record.used_at,
            payment_id=to_global_id("Payment", record.payment_id) if record.payment_id else None,  # type: ignore[arg-type]
            created_at=record.created_at, qr_svg=images.qr_svg if images else None,
            qr_png=images.qr_png if images else None, barcode_svg=images.barcode_svg if images else None,
        )
