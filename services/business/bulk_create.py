"""bulkPayoutCreate: upload a CSV of payouts from one business wallet; every line is validated before anything moves.

The whole file is refused (nothing stored) when it is not UTF-8, lacks the header or holds more than 10,000
lines. Otherwise the batch is stored with one row per line, each valid or with its error code (the validation
report, BulkPayout.lines). An ALL_OR_NOTHING batch with any invalid line is INVALID (it can never execute); a
batch whose valid lines add up to more than the business's approval threshold waits for a second member
(AWAITING_APPROVAL); anything else is READY. Nothing moves until bulkPayoutExecute.
"""

from __future__ import annotations

import hashlib
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Wallet
from models.bulk_payout import BulkPayout, BulkPayoutLine
from models.enums import WalletStatus
from models.ids import uuid7
from services import clock
from services.business.approval_rule import requires_approval
from services.business.bulk_beneficiaries import check_beneficiaries
from services.business.bulk_csv import IdDecoder, ParsedLine, decode_upload, parse_file
from services.business.bulk_events import announce
from services.business.bulk_queries import record_of
from services.business.bulk_records import (
    ALL_OR_NOTHING, AWAITING_APPROVAL, INVALID, LINE_INVALID, LINE_PENDING, MODES, READY, BulkPayoutRecord,
)
from services.business.member_permissions import MemberAction
from services.business.members import authorize
from services.errors import IdempotencyConflict, InvalidAmount, ValidationFailed, WalletNotActive
from services.ledger.idempotency import check_key, customer_key, request_hash
from services.money import MAX_MINOR
from services.scoping import get_scoped, of_tenant, token_customer

_INSERT_BATCH = 1000


def line_ids(count: int) -> list[uuid.UUID]:
    """`count` UUIDv7 ids in increasing order (one timestamp, the line's index in the low bits): paging a batch's
    lines by id pages them in file order."""
    base = uuid7().int & ~((1 << 16) - 1)  # 16 low random bits cleared: room for 65,536 lines
    return [uuid.UUID(int=base | index) for index in range(count)]


def batch_status(mode: str, lines: list[ParsedLine], needs_approval: bool) -> str:
    """The new batch's status: INVALID (all-or-nothing with a bad line, or nothing valid), awaiting approval, or READY."""
    valid = sum(1 for line in lines if line.error is None)
    if valid == 0 or (mode == ALL_OR_NOTHING and valid != len(lines)):
        return INVALID
    return AWAITING_APPROVAL if needs_approval else READY


def _stored_key(principal: Principal, key: str) -> str:
    """Keys are per partner; a customer token's keys live in that customer's own namespace (as the engine's)."""
    customer_id = token_customer(principal)
    return customer_key(customer_id, key) if customer_id is not None else key


async def _replay(principal: Principal, key: str, fingerprint: str) -> BulkPayoutRecord | None:
    """The batch an earlier upload with this key made (same input), IDEMPOTENCY_CONFLICT (other input), or None."""
    row = await of_tenant(BulkPayout, principal.partner_id).get_or_none(idempotency_key=key)
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyConflict("this idempotencyKey was already used with different input", field=["idempotencyKey"])
    return await record_of(row, replayed=True)


def _line_rows(batch_id: uuid.UUID, lines: list[ParsedLine]) -> list[BulkPayoutLine]:
    """The line rows of a new batch, in file order."""
    now = clock.now()
    return [BulkPayoutLine(
        id=line_id, bulk_payout_id=batch_id, line_number=line.line_number, raw_line=line.raw,
        beneficiary_kind=line.beneficiary_kind, beneficiary_id=line.beneficiary_id, amount_minor=line.amount_minor,
        reference=line.reference, status=LINE_PENDING if line.error is None else LINE_INVALID,
        error_code=line.error.code if line.error else None, error_message=line.error.message if line.error else None,
        updated_at=now,
    ) for line_id, line in zip(line_ids(len(lines)), lines)]


async def create_bulk_payout(
    *, principal: Principal, from_wallet_id: uuid.UUID | None, csv_text: str | None, csv_base64: str | None,
    mode: str, idempotency_key: str, decode_id: IdDecoder,
) -> BulkPayoutRecord:
    """Validate the file line by line and store the batch with its report (nothing moves)."""
    key = _stored_key(principal, check_key(idempotency_key))
    if mode not in MODES:
        raise ValidationFailed(f"mode is one of {', '.join(MODES)}", field=["mode"])
    wallet = await get_scoped(Wallet, principal, from_wallet_id, what="wallet", field=["fromWalletId"])
    actor = await authorize(principal, wallet.customer_id, MemberAction.PAY, field=["fromWalletId"])  # type: ignore[attr-defined]
    text = decode_upload(text=csv_text, base64_text=csv_base64)
    fingerprint = request_hash("bulkPayoutCreate", {
        "wallet": wallet.id, "mode": mode, "file": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    replayed = await _replay(principal, key, fingerprint)
    if replayed is not None:
        return replayed
    if wallet.status != WalletStatus.ACTIVE:
        raise WalletNotActive("the paying wallet is not ACTIVE", field=["fromWalletId"])
    lines = await check_beneficiaries(parse_file(text, currency=wallet.currency, decode_id=decode_id), paying=wallet)
    total = sum(line.amount_minor or 0 for line in lines if line.error is None)
    if total > MAX_MINOR:
        raise InvalidAmount("the lines add up to more than the ledger can hold", field=["csv"])
    needs_approval = await requires_approval(wallet.customer_id, wallet.currency, total)  # type: ignore[attr-defined]
    valid = sum(1 for line in lines if line.error is None)
    batch = BulkPayout(
        id=uuid7(), partner_id=wallet.partner_id, customer_id=wallet.customer_id,  # type: ignore[attr-defined]
        from_wallet_id=wallet.id, currency=wallet.currency, mode=mode,
        status=batch_status(mode, lines, needs_approval), line_count=len(lines), valid_count=valid,
        invalid_count=len(lines) - valid, total_minor=total, idempotency_key=key, request_hash=fingerprint,
        maker_member_id=actor.member_id, created_at=clock.now(),
    )
    try:
        async with in_transaction() as conn:
            await batch.save(using_db=conn, force_create=True)
            await BulkPayoutLine.bulk_create(_line_rows(batch.id, lines), batch_size=_INSERT_BATCH, using_db=conn)
            await announce(conn, "bulk_payout.created", batch, paid=0, failed=batch.invalid_count, amount_minor=total)
    except IntegrityError:
        # A concurrent upload with the same key won the unique index: answer as its replay.
        replayed = await _replay(principal, key, fingerprint)
        if replayed is None:
            raise
        return replayed
    return await record_of(batch)

