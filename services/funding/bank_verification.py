"""A linked bank account's life after linking: micro-deposit answers, bank staff review, removal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.funding import BankAccount, BankAccountStatus
from services import clock
from services.audit import AuditNote, record_event
from services.authority import is_staff, require_staff
from services.errors import (
    Forbidden, FundingSourceStateConflict, NotFound, ValidationFailed, VerificationFailed, VerificationLocked,
)
from services.funding.bank_linking import INSTANT
from services.funding.events import bank_account_event
from services.funding.instant_verification import instant_verifier
from services.funding.micro_deposits import MAX_ATTEMPTS, answer_matches, draw_amounts
from services.funding.records import BankAccountRecord
from services.pii import decrypt_value, pii_context
from services.scoping import partner_scoped
from services.validation import clean_reason

REVIEW_PERMISSION = "funding:review"
APPROVE, REJECT = "APPROVE", "REJECT"


async def _locked_row(principal: Principal, bank_account_id: uuid.UUID | None) -> BankAccount:
    """The caller's bank account, locked for this transaction (NOT_FOUND for another partner's)."""
    row = None
    if bank_account_id is not None:
        row = await partner_scoped(BankAccount, principal).select_for_update().get_or_none(id=bank_account_id)
    if row is None:
        raise NotFound("bank account not found", field=["bankAccountId"])
    return row


async def verify_bank_account(
    *, principal: Principal, bank_account_id: uuid.UUID | None, amounts: Sequence[Decimal | str],
) -> BankAccountRecord:
    """Check the customer's two micro-deposit amounts: right -> VERIFIED; the third wrong answer -> LOCKED."""
    if is_staff(principal):
        raise Forbidden("bank staff do not answer a customer's micro-deposits")
    if len(amounts) != 2:
        raise ValidationFailed("give exactly the two micro-deposit amounts", field=["amounts"])
    # The row is locked while its attempts are counted: two concurrent guesses cannot both be the third.
    async with in_transaction() as conn:
        row = await _locked_row(principal, bank_account_id)
        if row.status == BankAccountStatus.LOCKED:
            raise VerificationLocked("too many wrong answers: the bank account is locked", field=["bankAccountId"])
        if row.status != BankAccountStatus.PENDING_VERIFICATION or not row.micro_deposits:
            raise FundingSourceStateConflict(f"the bank account is {row.status.value}, not waiting for micro-deposits",
                                             field=["bankAccountId"])
        if answer_matches(row.micro_deposits, amounts, row.currency):
            row.status, row.verified_at = BankAccountStatus.VERIFIED, clock.now()
            await row.save(using_db=conn, update_fields=["status", "verified_at", "updated_at"])
            await bank_account_event("bank_account.verified", row, using_db=conn)
            return BankAccountRecord.from_row(row)
        row.failed_attempts += 1
        if row.failed_attempts >= MAX_ATTEMPTS:
            row.status = BankAccountStatus.LOCKED
            await row.save(using_db=conn, update_fields=["failed_attempts", "status", "updated_at"])
            await bank_account_event("bank_account.locked", row, using_db=conn)
        else:
            await row.save(using_db=conn, update_fields=["failed_attempts", "updated_at"])
    if row.status == BankAccountStatus.LOCKED:  # the count is committed above, then the caller hears why
        raise VerificationLocked("three wrong answers: the bank account is now locked", field=["amounts"])
    raise VerificationFailed(f"the amounts are wrong ({MAX_ATTEMPTS - row.failed_attempts} tries left)", field=["amounts"])


async def _start_verification(row: BankAccount) -> None:
    """After an approval: the instant check (VERIFIED or REJECTED) or fresh micro-deposits (PENDING_VERIFICATION)."""
    if row.verification_method == INSTANT:
        number = await decrypt_value(row.number_enc, context=pii_context(BankAccount._meta.db_table, "number_enc", row.id))
        if await instant_verifier().confirm(country=row.country, bank_code=row.bank_code, number=number):
            row.status, row.verified_at = BankAccountStatus.VERIFIED, clock.now()
        else:
            row.status, row.status_reason, row.live_key = BankAccountStatus.REJECTED, "instant verification failed", None
        return
    row.status, row.micro_deposits = BankAccountStatus.PENDING_VERIFICATION, draw_amounts(row.currency)


async def review_bank_account(
    *, principal: Principal, bank_account_id: uuid.UUID | None, decision: str, reason: str | None, audit: AuditNote,
) -> BankAccountRecord:
    """Bank staff (funding:review) approve or reject a NEEDS_REVIEW account whose holder name did not match."""
    require_staff(principal, REVIEW_PERMISSION)
    if decision not in (APPROVE, REJECT):
        raise ValidationFailed("decision must be APPROVE or REJECT", field=["decision"])
    text = clean_reason(reason, max_len=500, min_len=3)
    async with in_transaction() as conn:
        row = await _locked_row(principal, bank_account_id)
        if row.status != BankAccountStatus.NEEDS_REVIEW:
            raise FundingSourceStateConflict(f"the bank account is {row.status.value}, not NEEDS_REVIEW",
                                             field=["bankAccountId"])
        row.reviewed_by = audit.actor.id[:64]
        if decision == APPROVE:
            await _start_verification(row)
            if row.status != BankAccountStatus.REJECTED:
                row.status_reason = text
        else:
            row.status, row.status_reason, row.live_key = BankAccountStatus.REJECTED, text, None
        await row.save(using_db=conn)
        if row.status == BankAccountStatus.VERIFIED:
            await bank_account_event("bank_account.verified", row, using_db=conn)
        elif row.status == BankAccountStatus.REJECTED:
            await bank_account_event("bank_account.removed", row, using_db=conn)
        # Written with the decision: a review without its audit row cannot commit.
        await record_event(
            actor=audit.actor, operation=audit.operation, outcome="OK", object_type="BankAccount",
            object_id=str(row.id), request_id=audit.request_id, partner_id=row.partner_id,  # type: ignore[attr-defined]
            detail=f"bankAccountId={row.id} decision={decision} status={row.status.value} reason={text}",
        )
    return BankAccountRecord.from_row(row, audited=True)


async def remove_bank_account(*, principal: Principal, bank_account_id: uuid.UUID | None) -> BankAccountRecord:
    """Unlink a bank account (any status but REMOVED): it can be linked again afterwards."""
    if is_staff(principal):
        raise Forbidden("bank staff do not unlink customers' bank accounts")
    async with in_transaction() as conn:
        row = await _locked_row(principal, bank_account_id)
        if row.status == BankAccountStatus.REMOVED:
            raise FundingSourceStateConflict("the bank account is already removed", field=["bankAccountId"])
        row.status, row.live_key = BankAccountStatus.REMOVED, None
        await row.save(using_db=conn, update_fields=["status", "live_key", "updated_at"])
        await bank_account_event("bank_account.removed", row, using_db=conn)
    return BankAccountRecord.from_row(row)
