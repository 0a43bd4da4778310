"""Reading payments and refunds: the payer's partner and the merchant's partner each see the payment; the bank all."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import Merchant, Payment, Refund, Transaction, Wallet
from models.enums import TransactionStatus
from services import scoping
from services.fees.merchant_fee import merchant_fee_minor
from services.errors import NotFound
from services.payment_requests.records import MerchantFace
from services.payments import mcc as mcc_codes
from services.payments.records import PaymentRecord, RefundRecord


def visible_payments(principal: Principal):  # noqa: ANN201 - a QuerySet[Payment]
    """The payments the caller may read (services.scoping.visible_payments)."""
    return scoping.visible_payments(Payment, Wallet, principal)


async def get_payment(*, principal: Principal, payment_id: uuid.UUID | None) -> PaymentRecord:
    """One payment the caller may read, or NotFound."""
    row = await visible_payments(principal).get_or_none(id=payment_id) if payment_id else None
    if row is None:
        raise NotFound("payment not found", field=["id"])
    txn = await Transaction.get(id=row.transaction_id)  # type: ignore[attr-defined]
    return PaymentRecord.from_row(row, status=TransactionStatus(txn.status), fee_minor=txn.fee_minor,
                                  merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown))


async def merchant_face(merchant_id: uuid.UUID) -> MerchantFace:
    """The public face of a payment's merchant (what any payer may see)."""
    row = await Merchant.get(id=merchant_id)
    return MerchantFace(id=row.id, display_name=row.display_name, mcc=row.mcc,
                        category_name=mcc_codes.category_name(row.mcc), city=row.city, country=row.country)


async def refunds_of(payment_id: uuid.UUID) -> list[RefundRecord]:
    """A payment's refunds, oldest first (the caller has already read the payment)."""
    rows = await Refund.filter(payment_id=payment_id).order_by("created_at", "id")
    breakdowns = dict(await Transaction.filter(id__in=[r.transaction_id for r in rows])  # type: ignore[attr-defined]
                      .values_list("id", "fee_breakdown")) if rows else {}
    return [RefundRecord.from_row(r, fee_breakdown=breakdowns.get(r.transaction_id)) for r in rows]  # type: ignore[attr-defined]


async def get_refund(*, principal: Principal, refund_id: uuid.UUID | None) -> RefundRecord:
    """One refund of a payment the caller may read, or NotFound."""
    row = await Refund.get_or_none(id=refund_id) if refund_id else None
    if row is None or not await visible_payments(principal).filter(id=row.payment_id).exists():  # type: ignore[attr-defined]
        raise NotFound("refund not found", field=["id"])
    txn = await Transaction.get(id=row.transaction_id)  # type: ignore[attr-defined]
    return RefundRecord.from_row(row, fee_breakdown=txn.fee_breakdown)
