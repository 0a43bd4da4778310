"""Reading payment requests: the merchant's partner (and its customer's app), and bank staff with partners:read."""

from __future__ import annotations

import uuid

from tortoise.queryset import QuerySet

from auth.principal import Principal
from models import PaymentRequest
from services.authority import is_staff, require_staff
from services.errors import NotFound
from services.merchants.queries import STAFF_PERMISSION
from services.payment_requests.records import PaymentRequestRecord
from services.scoping import partner_scoped


def visible_payment_requests(principal: Principal) -> QuerySet[PaymentRequest]:
    """The payment requests the caller may read as their merchant's side (a payer uses qrDecode instead)."""
    if is_staff(principal):
        require_staff(principal, STAFF_PERMISSION)
    return partner_scoped(PaymentRequest, principal)  # a customer token: its own customer's merchants' requests


async def get_payment_request(*, principal: Principal, payment_request_id: uuid.UUID | None) -> PaymentRequestRecord:
    """One payment request the caller may read, or NotFound (another partner's answers like a missing one)."""
    row = None
    if payment_request_id is not None:
        row = await visible_payment_requests(principal).get_or_none(id=payment_request_id)
    if row is None:
        raise NotFound("payment request not found", field=["id"])
    return PaymentRequestRecord.from_row(row)
