"""services.payments.refund_events: `payment.refunded` has one shape, whether the refund's posting writes it or a
compliance RELEASE does, and it passes the event catalogue's own check."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from services.event_catalogue import check_payload
from services.payments.refund_events import refunded_body


def test_the_body_names_payment_refund_merchant_and_amount_and_passes_the_catalogue():
    payment = SimpleNamespace(id=uuid.uuid4(), merchant_id=uuid.uuid4(), currency="CNY")  # what the body reads
    refund_id = uuid.uuid4()
    body = refunded_body(payment, refund_id, 12345)  # type: ignore[arg-type]
    assert body == {"paymentId": str(payment.id), "refundId": str(refund_id), "merchantId": str(payment.merchant_id),
                    "amount": {"amount": "123.45", "currency": "CNY"}}
    check_payload("payment.refunded", body)  # raises on a missing or undocumented field
