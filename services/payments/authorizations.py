"""Payment authorisations: reserve funds for a merchant, capture once or several times, void or expire the rest.

One hold lifecycle with the AML holds: the reservation is part of the payer
account's `held_minor` (available = balance − held), so nothing else can
spend it, and `qianbao ledger verify` checks held_minor = held transactions
+ what active authorisations have not captured.

- **authorize** (the payer's partner, or its customer's token): every check a
  PAYMENT of the amount would pass (a dry run of the posting: funds, limits,
  KYC tier, freeze, screening), then, in one transaction, the reservation as a
  guarded UPDATE (only while the available balance covers it) and the row.
- **capture** (the merchant's partner): a PAYMENT posting whose claim is the
  authorisation row — ACTIVE, unexpired, and with the captured total this
  capture was planned on — and which releases, in the same write, what it
  takes (and with `final`, the rest). Two captures, or a capture and a void
  or the sweep, racing: the row decides, exactly one outcome per unit of money.
- **void** (either partner) and the **expiry sweep**: one guarded UPDATE of
  the row from ACTIVE, then the release of what was not captured, in one
  transaction (the row first, then the account: the order captures use).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import IdempotencyRecord, Merchant, PaymentAuthorization, Wallet
from models.enums import MerchantStatus, TransactionKind
from models.ids import uuid7
from services import clock, scoping
from services.fees.merchant_fee import merchant_fee_minor
from services.fees.merchant_terms import MerchantTerms
from services.audit import AuditNote, record_event
from services.authority import require_partner_token
from services.db.sql import execute, fetch
from services.errors import (
    AuthorizationNotActive, DomainError, IdempotencyConflict, InsufficientFunds, MerchantNotActive, NotFound,
    ValidationFailed,
)
from services.events import record_domain_event
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.idempotency import check_key, customer_key
from services.ledger.request import PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowClaim, RowInsert, event_insert
from services.merchants.clearing import clearing_account, clearing_columns
from services.money import parse_amount
from services.outcome import ServiceResult
from services.payments.paying import payment_of_transaction
from services.payments.records import PaymentRecord

ACTIVE, CAPTURED, VOIDED, EXPIRED = "ACTIVE", "CAPTURED", "VOIDED", "EXPIRED"
DEFAULT_TTL = timedelta(days=7)
MAX_TTL = timedelta(days=30)
SWEEP_BATCH = 100


@dataclass(frozen=True, kw_only=True)
class AuthorizationRecord(ServiceResult):
    """A payment authorisation: what was reserved, captured so far, and its state."""

    audit_type: ClassVar[str] = "PaymentAuthorization"

    id: uuid.UUID
    partner_id: uuid.UUID
    merchant_partner_id: uuid.UUID
    merchant_id: uuid.UUID
    wallet_id: uuid.UUID
    amount_minor: int
    captured_minor: int
    currency: str
    status: str
    expires_at: datetime
    created_at: datetime
    dry_run: bool = False

    @classmethod
    def from_row(cls, row: PaymentAuthorization, *, audited: bool = False) -> AuthorizationRecord:
        """The record of a stored authorisation."""
        return cls(
            id=row.id, partner_id=row.partner_id, merchant_partner_id=row.merchant_partner_id,  # type: ignore[attr-defined]
            merchant_id=row.merchant_id, wallet_id=row.wallet_id, amount_minor=row.amount_minor,  # type: ignore[attr-defined]
            captured_minor=row.captured_minor, currency=row.currency, status=row.status, expires_at=row.expires_at,
            created_at=row.created_at, audited=audited,
        )


def _stored_key(principal: Principal, idempotency_key: str) -> str:
    """The key as stored: a customer token's in that customer's own namespace."""
    key = check_key(idempotency_key)
    customer_id = scoping.token_customer(principal)
    return customer_key(customer_id, key) if customer_id is not None else key


def _expiry(expires_at: datetime | None, now: datetime) -> datetime:
    """When the reservation ends: given (in the future, within MAX_TTL) or DEFAULT_TTL from now."""
    if expires_at is None:
        return now + DEFAULT_TTL
    if expires_at.tzinfo is None or expires_at <= now or expires_at > now + MAX_TTL:
        raise ValidationFailed(f"expiresAt must be a time with a zone, in the future, within {MAX_TTL.days} days",
                               field=["expiresAt"])
    return expires_at


async def _payable_merchant(merchant_id: uuid.UUID | None) -> Merchant:
    """An ACTIVE merchant (of any partner: payers authorise for merchants of other partners too)."""
    merchant = await Merchant.get_or_none(id=merchant_id).select_related("settlement_wallet") if merchant_id else None
    if merchant is None:
        raise NotFound("merchant not found", field=["merchantId"])
    if merchant.status != MerchantStatus.ACTIVE:
        raise MerchantNotActive("the merchant cannot accept payments now", field=["merchantId"])
    return merchant


async def authorize(
    *, principal: Principal, wallet_id: uuid.UUID | None, merchant_id: uuid.UUID | None, amount: str,
    expires_at: datetime | None, idempotency_key: str, dry_run: bool = False, audit: AuditNote | None = None,
) -> AuthorizationRecord:
    """Reserve `amount` of a wallet for a merchant until it is captured, voided or expires (or replay the key)."""
    key = _stored_key(principal, idempotency_key)
    original = await scoping.of_tenant(PaymentAuthorization, principal.partner_id).get_or_none(idempotency_key=key)
    if original is not None:  # a retry: the original answers, whatever the merchant's state is now
        return _replayed(original, wallet_id, merchant_id, amount)
    try:
        return await _authorize_new(principal=principal, wallet_id=wallet_id, merchant_id=merchant_id, amount=amount,
                                    expires_at=expires_at, idempotency_key=idempotency_key, key=key, dry_run=dry_run,
                                    audit=audit)
    except DomainError:
        # A retry sent while its original was still being written (an answer lost on the way) can be refused by
        # what the original just reserved: once the original has committed, it answers, not the refusal.
        original = await scoping.of_tenant(PaymentAuthorization, principal.partner_id).get_or_none(idempotency_key=key)
        if original is not None and not dry_run:
            return _replayed(original, wallet_id, merchant_id, amount)
        raise


async def _authorize_new(*, principal: Principal, wallet_id: uuid.UUID | None, merchant_id: uuid.UUID | None,
                         amount: str, expires_at: datetime | None, idempotency_key: str, key: str, dry_run: bool,
                         audit: AuditNote | None) -> AuthorizationRecord:
    """A new authorisation: every check a payment of the amount must pass, then the reservation and its row."""
    merchant = await _payable_merchant(merchant_id)
    now = clock.now()
    until = _expiry(expires_at, now)
    # Every check a PAYMENT of this amount must pass, on the rows as they are: nothing written.
    preview = await post(principal, PostingRequest(
        operation="authorizationCreate", kind=TransactionKind.PAYMENT, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=wallet_id, to_wallet_id=merchant.settlement_wallet_id,  # type: ignore[attr-defined]
        from_field="walletId", to_field="merchantId", requires_from=True, requires_to=True,
        to_partner_id=merchant.partner_id, dry_run=True,  # type: ignore[attr-defined]
        merchant=MerchantTerms.of(merchant),
    ), None)
    record = AuthorizationRecord(
        id=uuid7(), partner_id=principal.partner_id, merchant_partner_id=merchant.partner_id,  # type: ignore[arg-type, attr-defined]
        merchant_id=merchant.id, wallet_id=wallet_id, amount_minor=preview.amount_minor, captured_minor=0,  # type: ignore[arg-type]
        currency=preview.currency, status=ACTIVE, expires_at=until, created_at=now, dry_run=dry_run,
    )
    if dry_run:
        return record
    try:
        await _reserve(record, key, audit)
    except IntegrityError:  # the same key, at the same moment: the first one's authorisation answers
        original = await scoping.of_tenant(PaymentAuthorization, principal.partner_id).get(idempotency_key=key)
        return _replayed(original, wallet_id, merchant.id, amount)
    return replace(record, audited=audit is not None)


def _replayed(original: PaymentAuthorization, wallet_id: uuid.UUID | None, merchant_id: uuid.UUID | None,
              amount: str) -> AuthorizationRecord:
    """The authorisation a key already made, if the input is the same; IDEMPOTENCY_CONFLICT otherwise."""
    same = (original.wallet_id == wallet_id and original.merchant_id == merchant_id  # type: ignore[attr-defined]
            and parse_amount(amount, original.currency) == original.amount_minor)
    if not same:
        raise IdempotencyConflict("this idempotencyKey was already used with different input", field=["idempotencyKey"])
    return AuthorizationRecord.from_row(original)


async def _reserve(record: AuthorizationRecord, key: str, audit: AuditNote | None) -> None:
    """The reservation and the row, in one transaction: only while the wallet is active and its available
    balance covers the amount (checked in the UPDATE itself, so no concurrent posting can spend it first)."""
    async with in_transaction() as conn:
        # The row first: it claims the key, so a retry of it that arrives while this transaction runs waits on the
        # key's unique index and then replays this authorisation (IntegrityError), instead of waiting on the
        # account's row and finding the amount already held (by this very authorisation).
        await PaymentAuthorization.create(
            id=record.id, partner_id=record.partner_id, merchant_partner_id=record.merchant_partner_id,
            merchant_id=record.merchant_id, wallet_id=record.wallet_id, amount_minor=record.amount_minor,
            currency=record.currency, status=ACTIVE, expires_at=record.expires_at, idempotency_key=key, using_db=conn,
        )
        reserved = await execute(
            conn, "UPDATE account SET held_minor = held_minor + $1 WHERE id = (SELECT account_id FROM wallet"
            " WHERE id = $2 AND status = 'ACTIVE') AND balance_minor - held_minor >= $1",
            [record.amount_minor, record.wallet_id],
        )
        if reserved != 1:
            raise InsufficientFunds("the wallet's available balance is too low", field=["amount"])  # rolls the row back
        body = {"authorizationId": str(record.id), "merchantId": str(record.merchant_id),
                "amount": money(record.amount_minor, record.currency)}
        for partner_id in dict.fromkeys([record.partner_id, record.merchant_partner_id]):
            await record_domain_event(type="authorization.created", partner_id=partner_id,
                                      object_type="PaymentAuthorization", object_id=record.id, payload=body, using_db=conn)
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK",
                               object_type="PaymentAuthorization", object_id=str(record.id),
                               request_id=audit.request_id, partner_id=record.partner_id)


def _capture_claim(row: PaymentAuthorization, amount_minor: int, final: bool, now: datetime) -> RowClaim:
    """The authorisation is still ACTIVE, unexpired and as this capture saw it; it takes the capture (and ends when
    final or fully captured), or the capture is refused."""
    captured = row.captured_minor + amount_minor
    ends = final or captured == row.amount_minor
    return RowClaim(
        table="payment_authorization", row_id=row.id,
        condition="status = $1 AND expires_at > $2 AND captured_minor = $3",
        assignment="captured_minor = $4, status = $5, updated_at = $2",
        values=(ACTIVE, now, row.captured_minor, captured, CAPTURED if ends else ACTIVE),
        refusal=lambda: AuthorizationNotActive(
            "the authorisation is no longer active, or another capture changed it meanwhile: read it again",
            field=["authorizationId"]),
    )


async def capture(
    *, principal: Principal, authorization_id: uuid.UUID | None, amount: str, final: bool, idempotency_key: str,
    dry_run: bool = False, audit: AuditNote | None = None,
) -> PaymentRecord:
    """Capture `amount` of an authorisation as a PAYMENT to the merchant (the merchant's partner only)."""
    require_partner_token(principal)
    row = await scoping.merchant_side(PaymentAuthorization, principal).get_or_none(id=authorization_id) \
        if authorization_id else None
    if row is None:
        raise NotFound("authorization not found", field=["authorizationId"])
    merchant = await Merchant.get(id=row.merchant_id)  # type: ignore[attr-defined]
    amount_minor = parse_amount(amount, row.currency)
    remaining = row.amount_minor - row.captured_minor
    original = await _captured_before(principal, idempotency_key)
    if original is not None:
        return original  # the engine compares the input and replays (or answers IDEMPOTENCY_CONFLICT)
    if row.status != ACTIVE or amount_minor > remaining or row.expires_at <= clock.now():
        raise AuthorizationNotActive("nothing (or less than that) remains authorised", field=["amount"])
    now = clock.now()
    payment_id = uuid7()
    ends = final or amount_minor == remaining
    events = [event_insert(type="payment.succeeded", partner_id=p, object_type="Payment", object_id=payment_id,
                           payload={"paymentId": str(payment_id), "merchantId": str(merchant.id),
                                    "amount": money(amount_minor, row.currency)}, at=now)
              for p in dict.fromkeys([row.partner_id, row.merchant_partner_id])]  # type: ignore[attr-defined]
    if ends:
        events += [event_insert(type="authorization.ended", partner_id=p, object_type="PaymentAuthorization",
                                object_id=row.id, payload={"authorizationId": str(row.id), "merchantId": str(merchant.id),
                                                           "status": CAPTURED}, at=now)
                   for p in dict.fromkeys([row.partner_id, row.merchant_partner_id])]  # type: ignore[attr-defined]
    txn = await post(principal, PostingRequest(
        operation="authorizationCapture", kind=TransactionKind.PAYMENT, idempotency_key=idempotency_key,
        amount_text=amount, from_wallet_id=row.wallet_id, to_wallet_id=merchant.settlement_wallet_id,  # type: ignore[attr-defined]
        from_field="authorizationId", to_field="authorizationId", currency=row.currency,
        requires_from=True, requires_to=True, from_partner_id=row.partner_id,  # type: ignore[attr-defined]
        merchant=MerchantTerms.of(merchant),
        claim=_capture_claim(row, amount_minor, final, now), clearing_account_id=clearing_account(merchant),
        # The capture spends what it takes from the reservation; a final one also frees the rest.
        release_held_minor=remaining if ends else amount_minor,
        inserts=(_payment_row(payment_id, row, merchant, amount_minor, now), *events),
        dry_run=dry_run, subject=f"PaymentAuthorization:{row.id}",
    ), audit)
    if txn.dry_run:
        return PaymentRecord(
            id=payment_id, partner_id=row.partner_id, merchant_partner_id=row.merchant_partner_id,  # type: ignore[attr-defined]
            merchant_id=merchant.id, payment_request_id=None, transaction_id=txn.id, payer_wallet_id=row.wallet_id,  # type: ignore[attr-defined]
            amount_minor=txn.amount_minor, fee_minor=txn.fee_minor, currency=txn.currency, refunded_minor=0,
            status=txn.status, created_at=txn.created_at, dry_run=True, merchant_fee_minor=merchant_fee_minor(txn.fee_breakdown),
        )
    payment = await payment_of_transaction(txn.id)
    assert payment is not None
    return replace(payment, audited=txn.audited)


async def _captured_before(principal: Principal, idempotency_key: str) -> PaymentRecord | None:
    """The payment a capture with this key already made (a retry answers it whatever the authorisation is now)."""
    record = await scoping.of_tenant(IdempotencyRecord, principal.partner_id).get_or_none(key=check_key(idempotency_key))
    if record is None or record.operation != "authorizationCapture":
        return None
    return await payment_of_transaction(record.transaction_id)


def _payment_row(payment_id: uuid.UUID, row: PaymentAuthorization, merchant: Merchant, amount_minor: int,
                 now: datetime) -> RowInsert:
    """The payment row of a capture, written with its posting."""
    return RowInsert(table="payment", columns=(
        ("id", payment_id, None), ("partner_id", row.partner_id, None),  # type: ignore[attr-defined]
        ("merchant_partner_id", row.merchant_partner_id, None), ("merchant_id", merchant.id, None),  # type: ignore[attr-defined]
        ("payment_request_id", None, None), ("authorization_id", row.id, None), ("transaction_id", TRANSACTION_ID, None),
        ("payer_wallet_id", row.wallet_id, None), ("amount_minor", amount_minor, None),  # type: ignore[attr-defined]
        ("currency", row.currency, None), ("refunded_minor", 0, None), ("created_at", now, None),
        *clearing_columns(merchant),  # a DEFERRED merchant: paid into its clearing account, settled later
    ))


async def void(*, principal: Principal, authorization_id: uuid.UUID | None,
               audit: AuditNote | None = None) -> AuthorizationRecord:
    """Release what an ACTIVE authorisation has not captured (its payer's partner or its merchant's partner)."""
    require_partner_token(principal)
    row = await scoping.either_side(PaymentAuthorization, principal).get_or_none(id=authorization_id) \
        if authorization_id else None
    if row is None:
        raise NotFound("authorization not found", field=["authorizationId"])
    if not await _end(row.id, VOIDED, now=clock.now(), audit=audit):
        raise AuthorizationNotActive("the authorisation is no longer active", field=["authorizationId"])
    return AuthorizationRecord.from_row(await PaymentAuthorization.get(id=row.id), audited=audit is not None)


async def _end(authorization_id: uuid.UUID, status: str, *, now: datetime, audit: AuditNote | None = None,
               only_expired: bool = False) -> bool:
    """End an ACTIVE authorisation and release its remainder, in one transaction; False when it was not ACTIVE."""
    async with in_transaction() as conn:
        expired = " AND expires_at <= $4" if only_expired else ""
        rows = await fetch(
            conn, f"UPDATE payment_authorization SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'ACTIVE'"
            f"{expired} RETURNING wallet_id, amount_minor - captured_minor AS rest, partner_id, merchant_partner_id,"
            " merchant_id", [status, now, authorization_id, *([now] if only_expired else [])],
        )
        if not rows:
            return False
        ended = rows[0]
        # The row first, then the account: the order a capture locks them in.
        await execute(conn, "UPDATE account SET held_minor = held_minor - $1 WHERE id = (SELECT account_id FROM wallet"
                            " WHERE id = $2)", [int(ended["rest"]), ended["wallet_id"]])
        body = {"authorizationId": str(authorization_id), "merchantId": str(ended["merchant_id"]), "status": status}
        for partner_id in dict.fromkeys([ended["partner_id"], ended["merchant_partner_id"]]):
            await record_domain_event(type="authorization.ended", partner_id=uuid.UUID(str(partner_id)),
                                      object_type="PaymentAuthorization", object_id=authorization_id, payload=body,
                                      using_db=conn)
        if audit is not None:
            await record_event(actor=audit.actor, operation=audit.operation, outcome="OK",
                               object_type="PaymentAuthorization", object_id=str(authorization_id),
                               request_id=audit.request_id, partner_id=uuid.UUID(str(ended["partner_id"])))
    return True


async def expire_due(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """The expiry sweep: end every ACTIVE authorisation past its expiry, releasing its remainder; how many ended."""
    moment = now or clock.now()
    due = await PaymentAuthorization.filter(status=ACTIVE, expires_at__lte=moment).order_by("expires_at").limit(batch) \
        .values_list("id", flat=True)
    ended = 0
    for authorization_id in due:
        # Guarded like a void: a capture or void that got there first wins, and this one does nothing.
        ended += await _end(authorization_id, EXPIRED, now=moment, only_expired=True)
    return ended


async def get_authorization(*, principal: Principal, authorization_id: uuid.UUID | None) -> AuthorizationRecord:
    """One authorisation the caller may read (its payer's partner or customer, its merchant's partner, staff)."""
    row = await scoping.visible_payments(PaymentAuthorization, Wallet, principal, wallet_column="wallet_id") \
        .get_or_none(id=authorization_id) if authorization_id else None
    if row is None:
        raise NotFound("authorization not found", field=["id"])
    return AuthorizationRecord.from_row(row)

