"""refundCreate: a merchant gives (part of) a payment back, as one REFUND posting of the one posting engine.

Only the merchant's partner refunds, from the merchant's settlement wallet to
the wallet that paid (usually another partner's). The payment row is the
claim: its refunded total rises by the refund in the same atomic write, and
only while it stays within the payment's amount, so concurrent partial
refunds can never give back more than was paid (REFUND_EXCEEDS_PAYMENT).
A refund charges no fee of its own. What it gives back of the payment's
merchant fee follows the treatment the fee's rule had when the payment was
charged (services.fees.merchant_fee): RETAINED gives nothing back, RETURNED
gives back the refunded proportion, credited to the merchant's settlement
wallet in the same posting.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from auth.principal import Principal
from models import Merchant, Payment, Refund, Transaction
from models.enums import TransactionKind, TransactionStatus
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.authority import require_partner_token
from services.errors import NotFound, PaymentNotRefundable, RefundExceedsPayment
from services.fees.merchant_fee import merchant_fee_minor, returned_fee
from services.ledger.request import PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowClaim, RowInsert, event_insert
from services.money import parse_amount
from services.payments.records import RefundRecord
from services.scoping import merchant_side
from services.coupons.refunding import post_refund
from services.payments.refund_events import refunded_body
from services.merchants.settlement import settle
from services.validation import clean_reason

MAX_REASON_CHARS = 500


def _within_payment(payment_id: uuid.UUID, amount_minor: int) -> RowClaim:
    """The payment's refunded total rises by the refund while it stays within the amount paid, or the refund is refused."""
    return RowClaim(
        table="payment", row_id=payment_id, condition="refunded_minor + $1 <= amount_minor",
        assignment="refunded_minor = refunded_minor + $1", values=(amount_minor,),
        refusal=lambda: RefundExceedsPayment("the refund is more than what remains refundable on the payment",
                                             field=["amount"]),
    )


def _side_rows(*, refund_id: uuid.UUID, payment: Payment, amount_minor: int, reason: str) -> tuple[RowInsert, ...]:
    """The refund row and both partners' payment.refunded events, written with the posting."""
    now = clock.now()
    refund = RowInsert(table="refund", columns=(
        ("id", refund_id, None), ("payment_id", payment.id, None),
        ("partner_id", payment.merchant_partner_id, None), ("transaction_id", TRANSACTION_ID, None),  # type: ignore[attr-defined]
        ("amount_minor", amount_minor, None), ("currency", payment.currency, None), ("reason", reason, None),
        ("created_at", now, None),
    ))
    body = refunded_body(payment, refund_id, amount_minor)
    partners = dict.fromkeys([payment.merchant_partner_id, payment.partner_id])  # type: ignore[attr-defined]
    return (refund, *(event_insert(type="payment.refunded", partner_id=p, object_type="Payment", object_id=payment.id,
                                   payload=body, at=now) for p in partners))


async def refund(
    *, principal: Principal, payment_id: uuid.UUID | None, amount: str, reason: str | None, idempotency_key: str,
    dry_run: bool = False, audit: AuditNote | None = None,
) -> RefundRecord:
    """Give back `amount` of a payment to the payer (the merchant's partner only), or replay the original refund."""
    require_partner_token(principal)
    text = clean_reason(reason, max_len=MAX_REASON_CHARS)
    payment = await merchant_side(Payment, principal).get_or_none(id=payment_id) if payment_id else None
    if payment is None:
        raise NotFound("payment not found", field=["paymentId"])
    merchant = await Merchant.get(id=payment.merchant_id)  # type: ignore[attr-defined]
    amount_minor = parse_amount(amount, payment.currency)
    paid = await Transaction.get(id=payment.transaction_id)  # type: ignore[attr-defined]
    if paid.status != TransactionStatus.POSTED:
        # A HELD payment moved nothing yet (compliance decides), a REJECTED one never will: the merchant would pay
        # back money it never received.
        raise PaymentNotRefundable(f"the payment is {paid.status.value.lower()}: it moved no money to refund",
                                   field=["paymentId"])
    if payment.clearing and not dry_run:
        # Paid into a DEFERRED merchant's clearing account: its settlement wallet pays the refund, so what the
        # merchant's payments cleared is settled into it first (a posting of its own; nothing if settled already).
        await settle(merchant.id)
    # Decided from the payment's own stored breakdown: a rule changed since never alters what a refund gives back.
    fee_back = returned_fee(paid.fee_breakdown, payment_minor=payment.amount_minor, refund_minor=amount_minor,
                            partner_id=payment.merchant_partner_id)  # type: ignore[attr-defined]
    refund_id = uuid7()
    req = PostingRequest(
        operation="refundCreate", kind=TransactionKind.REFUND, idempotency_key=idempotency_key, amount_text=amount,
        from_wallet_id=merchant.settlement_wallet_id, to_wallet_id=payment.payer_wallet_id,  # type: ignore[attr-defined]
        from_field="paymentId", to_field="paymentId", currency=payment.currency, requires_from=True, requires_to=True,
        to_partner_id=payment.partner_id,  # type: ignore[attr-defined]
        claim=_within_payment(payment.id, amount_minor), merchant_fee_return=fee_back,
        inserts=_side_rows(refund_id=refund_id, payment=payment, amount_minor=amount_minor, reason=text),
        dry_run=dry_run, subject=f"Payment:{payment.id}",
    )
    # Issue 15: a payment coupons discounted gives the discount's share back to its campaigns' budgets, in the
    # refund's own posting (services.coupons.refunding); any other refund is posted as it is.
    txn = await post_refund(principal=principal, req=req, payment=payment, amount_minor=amount_minor, audit=audit)
    if txn.dry_run:
        return RefundRecord(id=refund_id, payment_id=payment.id, partner_id=principal.partner_id,  # type: ignore[arg-type]
                            transaction_id=txn.id, amount_minor=txn.amount_minor, currency=txn.currency, reason=text,
                            created_at=txn.created_at, dry_run=True,
                            merchant_fee_returned_minor=-merchant_fee_minor(txn.fee_breakdown))
    return replace(RefundRecord.from_row(await Refund.get(transaction_id=txn.id), fee_breakdown=txn.fee_breakdown),
                   audited=txn.audited)
