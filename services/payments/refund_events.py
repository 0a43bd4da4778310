"""The payload of `payment.refunded`, one shape whether the refund's posting wrote it or compliance released it."""

from __future__ import annotations

import uuid
from typing import Any

from models import Payment
from services.ledger.announce import money


def refunded_body(payment: Payment, refund_id: uuid.UUID, amount_minor: int) -> dict[str, Any]:
    """What `payment.refunded` says: the payment, the refund, the merchant and the amount given back."""
    return {"paymentId": str(payment.id), "refundId": str(refund_id), "merchantId": str(payment.merchant_id),  # type: ignore[attr-defined]
            "amount": money(amount_minor, payment.currency)}
