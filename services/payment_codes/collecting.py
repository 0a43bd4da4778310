"""paymentCollect: a merchant's partner collects a customer-presented code, as one PAYMENT posting of the one engine.

The merchant is the caller's own and active. The code is found by its hash;
an unknown code answers NOT_FOUND with the same message whoever's wallet it
might belong to, and every unknown, expired or used code counts towards the
partner's guessing limit (services.payment_codes.guessing). The posting moves
the money from the code's wallet (usually another partner's: the engine is
told which, the caller never names it) to the merchant's settlement wallet,
and in the same atomic write claims the code (`used_at IS NULL AND
expires_at > now`, or CODE_USED), so however many tills race for one code,
one collects it. An amount above the customer's maxAmount is LIMIT_EXCEEDED:
it is a limit the payer set, like the bank's own limits, not malformed input.
"""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import IdempotencyRecord, Merchant, Payment, PaymentCode
from models.enums import MerchantStatus, TransactionKind
from models.ids import uuid7
from services import clock
from services.fees.merchant_fee import merchant_fee_minor
from services.fees.merchant_terms import MerchantTerms
from services.audit import AuditNote
from services.errors import (
    LimitExceeded, MerchantNotActive, NotFound, PaymentCodeExpired, PaymentCodeUsed,
)
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.idempotency import check_key
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowClaim, RowInsert, event_insert
from services.merchants.clearing import clearing_account, clearing_columns
from services.money import format_amount, parse_amount
from services.payment_codes.codes import code_hash, normalise_code
from services.payment_codes.guessing import check_not_guessing, record_miss
from services.payments.records import PaymentRecord
from services.scoping import get_scoped, of_tenant


async def _own_active_merchant(principal: Principal, merchant_id: uuid.UUID | None) -> Merchant:
    """The caller's own merchant, active; NotFound for another partner's, MERCHANT_NOT_ACTIVE if suspended."""
    merchant = await get_scoped(Merchant, principal, merchant_id, what="merchant", field=["merchantId"])
    if merchant.status != MerchantStatus.ACTIVE:
        raise MerchantNotActive("the merchant is suspended: it cannot collect payments", field=["merchantId"])
    return merchant


async def _collectable(principal: Principal, raw_code: str, *, replay: bool) -> PaymentCode:
    """The code's row if it can be collected now (a replayed key: whatever its state); refusals count as misses."""
    code = normalise_code(raw_code)
    row = await PaymentCode.get_or_none(code_hash=code_hash(code)) if code is not None else None
    if replay and row is not None:
        return row  # the engine replays the original payment (or answers IDEMPOTENCY_CONFLICT)
    refusal = None
    if row is None:
        refusal = NotFound("payment code not found: ask the customer to show the code again", field=["code"])
    elif row.used_at is not None:
        refusal = PaymentCodeUsed("this payment code was already collected: ask for a fresh code", field=["code"])
    elif row.expires_at <= clock.now():
        refusal = PaymentCodeExpired("this payment code has expired: ask for a fresh code", field=["code"])
    if refusal is not None:
        if not replay:
            await record_miss(principal.partner_id)
        raise refusal
    assert row is not None
    return row


def _claim(code_id: uuid.UUID, payment_id: uuid.UUID) -> RowClaim:
    """The code is still unused and unexpired, and this posting marks it used, or CODE_USED."""
    now = clock.now()
    return RowClaim(
        table="payment_code", row_id=code_id, condition="used_at IS NULL AND expires_at > $1",
        assignment="used_at = $2, payment_id = $3", values=(now, now, payment_id),
        refusal=lambda: PaymentCodeUsed("this payment code was already collected (or has just expired)", field=["code"]),
    )


def _side_rows(*, payment_id: uuid.UUID, code: PaymentCode, merchant: Merchant, amount_minor: int) -> tuple[RowInsert, ...]:
    """The payment row, and payment.succeeded for the payer's and the merchant's partners, written with the posting."""
    now = clock.now()
    payment = RowInsert(table="payment", columns=(
        ("id", payment_id, None), ("partner_id", code.partner_id, None),  # type: ignore[attr-defined]
        ("merchant_partner_id", merchant.partner_id, None), ("merchant_id", merchant.id, None),  # type: ignore[attr-defined]
        ("payment_request_id", None, "uuid"), ("transaction_id", TRANSACTION_ID, None),
        ("payer_wallet_id", code.wallet_id, None), ("amount_minor", amount_minor, None),  # type: ignore[attr-defined]
        ("currency", code.currency, None), ("refunded_minor", 0, None), ("created_at", now, None),
        *clearing_columns(merchant),  # a DEFERRED merchant: paid into its clearing account, settled later
    ))
    body = {"paymentId": str(payment_id), "merchantId": str(merchant.id), "amount": money(amount_minor, code.currency)}
    partners = dict.fromkeys([code.partner_id, merchant.partner_id])  # type: ignore[attr-defined]
    events = [event_insert(type="payment.succeeded", partner_id=p, object_type="Payment", object_id=payment_id,
                           payload=body, at=now) for p in partners]
    return (payment, *events)


async def collect(
    *, principal: Principal, merchant_id: uuid.UUID | None, code: str, amount: str, idempotency_key: str,
    dry_run: bool = False, audit: AuditNote | None = None,
) -> PaymentRecord:
    """Collect a customer's payment code for one of the caller's merchants (or replay the original payment)."""
    key = check_key(idempotency_key)
    merchant = await _own_active_merchant(principal, merchant_id)
    replay = not dry_run and await of_tenant(IdempotencyRecord, principal.partner_id).filter(
        key=key, operation="paymentCollect").exists()
    if not replay:
        await check_not_guessing(principal.partner_id)
    row = await _collectable(principal, code, replay=replay)
    amount_minor = parse_amount(amount, row.currency)
    if not replay and row.max_amount_minor is not None and amount_minor > row.max_amount_minor:
        raise LimitExceeded(f"the customer allowed at most {format_amount(row.max_amount_minor, row.currency)}"
                            f" {row.currency} with this code", field=["amount"])
    payment_id = uuid7()
    txn = await post(principal, PostingRequest(
        operation="paymentCollect", kind=TransactionKind.PAYMENT, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=row.wallet_id, to_wallet_id=merchant.settlement_wallet_id,  # type: ignore[attr-defined]
        from_field="code", to_field="merchantId", currency=row.currency, requires_from=True, requires_to=True,
        from_partner_id=row.partner_id,  # type: ignore[attr-defined]
        merchant=MerchantTerms.of(merchant),
        claim=_claim(row.id, payment_id), clearing_account_id=clearing_account(merchant),
        inserts=_side_rows(payment_id=payment_id, code=row, merchant=merchant, amount_minor=amount_minor),
        dry_run=dry_run, subject=f"PaymentCode:{row.id}",
    ), audit)
    return await _payment_of(txn, row, merchant, payment_id)


async def _payment_of(txn: TransactionRecord, code: PaymentCode, merchant: Merchant, payment_id: uuid.UUID) -> PaymentRecord:
    """The payment the posting wrote (a replayed key: the one it wrote then; a dry run: the would-be one)."""
    if txn.dry_run:
        return PaymentRecord(
            id=payment_id, partner_id=code.partner_id, merchant_partner_id=merchant.partner_id,  # type: ignore[attr-defined]
            merchant_id=merchant.id, payment_request_id=None, transaction_id=txn.id,
            payer_wallet_id=code.wallet_id, amount_minor=txn.amount_minor, fee_minor=txn.fee_minor,  # type: ignore[attr-defined]
            currency=txn.currency, refunded_minor=0, status=txn.status, created_at=txn.created_at, dry_run=True,
            merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown),
        )
    row = await Payment.get(transaction_id=txn.id)
    return PaymentRecord.from_row(row, status=txn.status, fee_minor=txn.fee_minor, audited=txn.audited,
                                  merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown))
