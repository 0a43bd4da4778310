"""Payout requests (issue 16 part 6, maker): a member asks for a payout that waits for a second member.

payoutRequestCreate is a posting like any other (services.ledger.engine): the TRANSFER (toWalletId given) or
WITHDRAWAL it asks for is planned and checked now (funds, fees, limits, KYC, freeze, screening) and written HELD
(`awaiting_approval`): the payer's debit and fee are reserved in held_minor (available = balance - held), the legs
wait in the transaction, and the payout_request row and its event are written in the same atomic write. The key is
the posting's idempotency key: a retry answers the original request. Deciding it: services.business.payout_decisions.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from auth.principal import Principal
from models.business import PayoutRequest
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.audit import AuditNote
from services.business.member_permissions import MemberAction
from services.business.members import authorize
from services.business.records import PayoutRequestRecord
from services.db.wallet_rows import wallet_facts
from services.errors import MemberRoleForbidden, NotFound, ValidationFailed
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.request import MAX_MEMO_LENGTH, PostingRequest
from services.ledger.side_writes import TRANSACTION_ID, RowInsert, event_insert
from services.money import parse_amount
from services.scoping import token_customer
from services.validation import clean_text

PENDING, APPROVED, REJECTED, EXPIRED = "PENDING", "APPROVED", "REJECTED", "EXPIRED"
DEFAULT_TTL = timedelta(days=3)
MAX_TTL = timedelta(days=30)


def request_expiry(expires_at: datetime | None, now: datetime) -> datetime:
    """When an unapproved request ends: given (in the future, within MAX_TTL) or DEFAULT_TTL from now."""
    if expires_at is None:
        return now + DEFAULT_TTL
    if expires_at.tzinfo is None or expires_at <= now or expires_at > now + MAX_TTL:
        raise ValidationFailed(f"expiresAt must be a time with a zone, in the future, within {MAX_TTL.days} days",
                               field=["expiresAt"])
    return expires_at


async def create_payout_request(
    *, principal: Principal, from_wallet_id: uuid.UUID | None, to_wallet_id: uuid.UUID | None, amount: str,
    idempotency_key: str, memo: str | None = None, expires_at: datetime | None = None,
    audit: AuditNote | None = None,
) -> PayoutRequestRecord:
    """Hold a payout from a business wallet until another member approves it (or replay the key's original)."""
    if token_customer(principal) is None or principal.member_id is None:
        raise MemberRoleForbidden("a payout request is made with a business member's token (customerTokenCreate"
                                  " with memberId)")
    facts = (await wallet_facts(principal.partner_id, [from_wallet_id])).get(from_wallet_id) if from_wallet_id else None
    if facts is None or facts.customer_id != token_customer(principal):
        raise NotFound("wallet not found", field=["fromWalletId"])
    actor = await authorize(principal, facts.customer_id, MemberAction.PAY, field=["fromWalletId"], needs_member=True)
    amount_minor = parse_amount(amount, facts.currency)
    clean_memo = clean_text(memo, field="memo", max_len=MAX_MEMO_LENGTH, required=False)
    now = clock.now()
    until = request_expiry(expires_at, now)
    kind = TransactionKind.TRANSFER if to_wallet_id is not None else TransactionKind.WITHDRAWAL
    request_id, transaction_id = uuid7(), uuid7()
    assert actor.member_id is not None
    row = RowInsert(table="payout_request", columns=(
        ("id", request_id, None), ("partner_id", principal.partner_id, None), ("customer_id", facts.customer_id, None),
        ("kind", kind.value, None), ("from_wallet_id", from_wallet_id, None), ("to_wallet_id", to_wallet_id, None),
        ("amount_minor", amount_minor, None), ("currency", facts.currency, None), ("memo", clean_memo, None),
        ("status", PENDING, None), ("maker_member_id", actor.member_id, None), ("transaction_id", TRANSACTION_ID, None),
        ("created_at", now, None), ("expires_at", until, None),
    ))
    event = event_insert(
        type="payout_request.created", partner_id=principal.partner_id, object_type="PayoutRequest",
        object_id=request_id, at=now, only_if_posted=False,  # the posting is HELD: the request exists all the same
        payload={"payoutRequestId": str(request_id), "customerId": str(facts.customer_id),
                 "transactionId": str(transaction_id), "amount": money(amount_minor, facts.currency), "status": PENDING,
                 "memberId": str(actor.member_id)},
    )
    txn = await post(principal, PostingRequest(
        operation="payoutRequestCreate", kind=kind, idempotency_key=idempotency_key, amount_text=amount,
        from_wallet_id=from_wallet_id, to_wallet_id=to_wallet_id, from_field="fromWalletId", to_field="toWalletId",
        memo=clean_memo, currency=facts.currency, requires_from=True, requires_to=kind is TransactionKind.TRANSFER,
        inserts=(row, event), awaiting_approval=True, subject="PayoutRequest", transaction_id=transaction_id,
    ), audit)
    # A replay answers the request the key made first (its posting's transaction names it).
    stored = await PayoutRequest.get(transaction_id=txn.id)
    return replace(PayoutRequestRecord.of(stored, replayed=txn.replayed), audited=txn.audited)
