"""paymentCreate: a wallet pays a merchant's payment request, as one PAYMENT posting of the one posting engine.

The request is checked as qrDecode checks it (services.payment_requests.preview):
code, merchant active, not expired, a single-use request not yet paid,
currency. The posting then moves the money from the payer's wallet to the
merchant's settlement wallet (usually another partner's: the engine is told
which partner, the caller never names that wallet), and in the same atomic
write claims a single-use request (paid exactly once, however many payers
race for it), stores the payment row and writes the events of both partners.
"""

from __future__ import annotations

import dataclasses
import uuid

from auth.principal import Principal
from models import IdempotencyRecord, Merchant, Payment, PaymentRequest, Transaction
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.fees.merchant_fee import merchant_fee_minor
from services.fees.merchant_terms import MerchantTerms
from services.audit import AuditNote
from services.errors import (
    AlreadyPaid, DomainError, IdempotencyConflict, MerchantNotActive, NotFound, PaymentRequestExpired, ValidationFailed,
)
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowClaim, RowInsert, event_insert
from services.merchants.clearing import clearing_account, clearing_columns
from services.money import format_amount, parse_amount
from services.ledger.idempotency import check_key, customer_key
from services.payment_requests.preview import checked_request, emv_qr_request_id
from services.payments import emv_qr
from services.scoping import of_tenant, token_customer
from services.payment_requests.records import QrPreview
from services.payments.records import PaymentRecord
from services.coupons.checkout import DiscountAsk, post_discounted, spend_of


def amount_to_pay(preview: QrPreview, amount: str | None) -> str:
    """The amount to pay: a dynamic code's own (an amount given must equal it), or the payer's for a static code."""
    if preview.amount_minor is not None:
        own = format_amount(preview.amount_minor, preview.currency)
        if amount is not None and parse_amount(amount, preview.currency) != preview.amount_minor:
            raise ValidationFailed(f"this code is for {own} {preview.currency}: pay that amount or omit it",
                                   field=["amount"])
        return own
    if amount is None:
        raise ValidationFailed("a static code carries no amount: give the amount to pay", field=["amount"])
    return amount


def _single_use_claim(request_id: uuid.UUID) -> RowClaim:
    """The request is still unpaid and unexpired, and this payment marks it paid, or ALREADY_PAID."""
    now = clock.now()
    return RowClaim(
        table="payment_request", row_id=request_id,
        condition="paid_at IS NULL AND (expires_at IS NULL OR expires_at > $1)", assignment="paid_at = $2",
        values=(now, now),
        refusal=lambda: AlreadyPaid("the payment request was already paid (or has just expired)", field=["paymentRequestId"]),
    )


def _side_rows(*, payment_id: uuid.UUID, principal: Principal, request: PaymentRequest, from_wallet_id: uuid.UUID,
               amount_minor: int, currency: str) -> tuple[RowInsert, ...]:
    """The payment row, and the events of the payer's and the merchant's partners, written with the posting."""
    merchant = request.merchant
    now = clock.now()
    payment = RowInsert(table="payment", columns=(
        ("id", payment_id, None), ("partner_id", principal.partner_id, None),
        ("merchant_partner_id", merchant.partner_id, None), ("merchant_id", merchant.id, None),  # type: ignore[attr-defined]
        ("payment_request_id", request.id, None), ("transaction_id", TRANSACTION_ID, None),
        ("payer_wallet_id", from_wallet_id, None), ("amount_minor", amount_minor, None), ("currency", currency, None),
        ("refunded_minor", 0, None), ("created_at", now, None),
        # A DEFERRED merchant's payment is marked as paid into its clearing account (services.merchants.settlement).
        *clearing_columns(merchant),
    ))
    body = {"paymentId": str(payment_id), "merchantId": str(merchant.id), "paymentRequestId": str(request.id),
            "amount": money(amount_minor, currency)}
    # One payment.succeeded for each partner (one when the payer's is the merchant's): the same row but for its
    # partner, so it is built (its payload checked against the catalogue and encoded) once.
    first, *others = dict.fromkeys([principal.partner_id, merchant.partner_id])  # type: ignore[attr-defined]
    succeeded = event_insert(type="payment.succeeded", partner_id=first, object_type="Payment", object_id=payment_id,
                             payload=body, at=now)
    events = [succeeded, *(_for_partner(succeeded, p) for p in others)]
    if request.single_use:
        events.append(event_insert(
            type="payment_request.paid", partner_id=merchant.partner_id, object_type="PaymentRequest",  # type: ignore[attr-defined]
            object_id=request.id, payload={"paymentRequestId": str(request.id), "paymentId": str(payment_id),
                                           "merchantId": str(merchant.id)}, at=now))
    return (payment, *events)


def _for_partner(event: RowInsert, partner_id: uuid.UUID | None) -> RowInsert:
    """The same event row written for another partner (a new RowInsert: its names are checked again)."""
    assert event.names[0] == "partner_id"
    return dataclasses.replace(event, columns=(("partner_id", partner_id, event.columns[0][2]), *event.columns[1:]))


async def _checked(principal: Principal, qr_payload: str | None, payment_request_id: uuid.UUID | None, *,
                   remember: bool = False) -> tuple[PaymentRequest, QrPreview]:
    """The checked request (and what it was checked to be), whether the caller scanned its code or names it by id
    (remember: a payment to be posted may be checked against what this process remembers, see _posted)."""
    if (qr_payload is None) == (payment_request_id is None):
        raise ValidationFailed("give exactly one of qrPayload and paymentRequestId", field=["qrPayload"])
    if qr_payload is None:
        request = await PaymentRequest.get_or_none(id=payment_request_id)
        if request is None:
            raise NotFound("payment request not found", field=["paymentRequestId"])
        qr_payload = request.payload  # paying by id is paying its own code: the same checks, in one place
    return await checked_request(principal=principal, payload=qr_payload, remember=remember)


async def pay(
    *, principal: Principal, from_wallet_id: uuid.UUID | None, qr_payload: str | None = None,
    payment_request_id: uuid.UUID | None = None, amount: str | None, idempotency_key: str, dry_run: bool = False,
    audit: AuditNote | None = None, discounts: DiscountAsk | None = None,
) -> PaymentRecord:
    """Pay a merchant's payment request from one of the caller's wallets (or replay the original payment).

    discounts: coupons and points to take off (issue 15, services.coupons.checkout): reserved and posted in the
    payment's own database transaction, the discount a funded leg of its posting."""
    try:
        request, preview = await _checked(principal, qr_payload, payment_request_id, remember=not dry_run)
    except (AlreadyPaid, PaymentRequestExpired, MerchantNotActive):
        # A retry of a payment that went through finds its request paid (or expired since): the original answers.
        original = None if dry_run else await _original(principal, idempotency_key, qr_payload, payment_request_id, amount)
        if original is None:
            raise
        return original
    amount_text = amount_to_pay(preview, amount)
    amount_minor = parse_amount(amount_text, preview.currency)
    payment_id = uuid7()
    merchant = request.merchant
    req = PostingRequest(
        operation="paymentCreate", kind=TransactionKind.PAYMENT, idempotency_key=idempotency_key,
        amount_text=amount_text, from_wallet_id=from_wallet_id, to_wallet_id=merchant.settlement_wallet_id,  # type: ignore[attr-defined]
        from_field="fromWalletId", to_field="paymentRequestId" if qr_payload is None else "qrPayload",
        currency=preview.currency, requires_from=True, requires_to=True,
        to_partner_id=merchant.partner_id,  # type: ignore[attr-defined]
        merchant=MerchantTerms.of(merchant),
        claim=_single_use_claim(request.id) if request.single_use else None,
        clearing_account_id=clearing_account(merchant),
        inserts=_side_rows(payment_id=payment_id, principal=principal, request=request, from_wallet_id=from_wallet_id,
                           amount_minor=amount_minor, currency=preview.currency) if from_wallet_id else (),
        dry_run=dry_run, subject=f"PaymentRequest:{request.id}",
    )
    if discounts is None or discounts.empty:
        txn = await _posted(principal, qr_payload, payment_request_id, req, audit)
    else:
        txn = await post_discounted(principal=principal, req=req, ask=discounts, payment_id=payment_id, audit=audit,
                                    spend=spend_of(amount_minor=amount_minor, currency=preview.currency,
                                                   merchant_id=merchant.id, mcc=merchant.mcc))
    return await _payment_of(txn, request, payment_id)


async def _posted(principal: Principal, qr_payload: str | None, payment_request_id: uuid.UUID | None,
                  req: PostingRequest, audit: AuditNote | None) -> TransactionRecord:
    """The posting; when it refuses a payment to a multi-use code (one that may have been checked against what
    this process remembers, services.payment_requests.preview), the code is checked again from the database
    first, so the payer hears what a fresh check says (MERCHANT_NOT_ACTIVE when the settlement wallet was frozen
    or the merchant suspended since), as if nothing had been remembered."""
    try:
        return await post(principal, req, audit)
    except DomainError:
        if not req.dry_run and req.claim is None:  # no claim: a multi-use code
            try:
                await _checked(principal, qr_payload, payment_request_id)
            except MerchantNotActive:
                raise
            except DomainError:
                pass  # only a merchant's or its wallet's status can be stale: any other answer is the posting's
        raise


async def _payment_of(txn: TransactionRecord, request: PaymentRequest, payment_id: uuid.UUID) -> PaymentRecord:
    """The payment the posting wrote (built from what it wrote: no second read), the one a replayed key wrote then
    (read back), or for a dry run the would-be one."""
    if txn.replayed:
        replayed = await payment_of_transaction(txn.id)
        assert replayed is not None
        return replayed
    merchant = request.merchant
    assert txn.from_wallet_id is not None
    return PaymentRecord(
        id=payment_id, partner_id=txn.partner_id, merchant_partner_id=merchant.partner_id,  # type: ignore[arg-type, attr-defined]
        merchant_id=merchant.id, payment_request_id=request.id, transaction_id=txn.id,
        payer_wallet_id=txn.from_wallet_id, amount_minor=txn.amount_minor, fee_minor=txn.fee_minor,
        currency=txn.currency, refunded_minor=0, status=txn.status, created_at=txn.created_at, dry_run=txn.dry_run,
        audited=txn.audited, merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown),
    )


async def _original(
    principal: Principal, idempotency_key: str, qr_payload: str | None, payment_request_id: uuid.UUID | None,
    amount: str | None,
) -> PaymentRecord | None:
    """The payment an earlier paymentCreate with this key made, or None; IDEMPOTENCY_CONFLICT if it paid another
    request or amount."""
    key = check_key(idempotency_key)
    customer_id = token_customer(principal)
    stored = customer_key(customer_id, key) if customer_id is not None else key
    record = await of_tenant(IdempotencyRecord, principal.partner_id).get_or_none(key=stored)
    if record is None or record.operation != "paymentCreate":
        return None
    payment = await payment_of_transaction(record.transaction_id)
    if payment is None:
        return None
    named = payment_request_id or _request_id_in(qr_payload)
    if named != payment.payment_request_id or (
            amount is not None and parse_amount(amount, payment.currency) != payment.amount_minor):
        raise IdempotencyConflict("this idempotencyKey was already used with different input", field=["idempotencyKey"])
    return payment


def _request_id_in(qr_payload: str | None) -> uuid.UUID | None:
    """The payment request a scanned payload names (None when it names none)."""
    try:
        return emv_qr_request_id(emv_qr.decode(qr_payload or ""))
    except ValueError:
        return None


async def payment_of_transaction(transaction_id: uuid.UUID) -> PaymentRecord | None:
    """The payment a transaction made, if it made one."""
    row = await Payment.get_or_none(transaction_id=transaction_id)
    if row is None:
        return None
    txn = await Transaction.get(id=transaction_id)
    return PaymentRecord.from_row(row, status=txn.status, fee_minor=txn.fee_minor,
                                  merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown))
