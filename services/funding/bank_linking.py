"""bankAccountLink: check the account against its country's rules, store it encrypted, start its verification."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Customer
from models.funding import BankAccount, BankAccountStatus
from models.ids import uuid7
from services import clock
from services.authority import is_staff
from services.customer_status import lock_open_customer
from services.errors import AlreadyLinked, Forbidden, ValidationFailed, VerificationFailed
from services.funding.bank_rules import check_bank_account
from services.funding.events import bank_account_event
from services.funding.fingerprint import account_fingerprint, account_fingerprints
from services.funding.holder_name import NAME_MATCH_THRESHOLD, holder_score
from services.funding.instant_verification import instant_verifier
from services.funding.micro_deposits import draw_amounts
from services.funding.records import BankAccountRecord
from services.pii import encrypt_value, pii_context
from services.scoping import get_scoped
from services.validation import clean_name

MICRO_DEPOSITS = "MICRO_DEPOSITS"
INSTANT = "INSTANT"
METHODS = (MICRO_DEPOSITS, INSTANT)
LIVE = (BankAccountStatus.PENDING_VERIFICATION, BankAccountStatus.NEEDS_REVIEW, BankAccountStatus.VERIFIED,
        BankAccountStatus.LOCKED)


def live_key(customer_id: uuid.UUID, fingerprint: str) -> str:
    """The unique key a live link of this account for this customer holds."""
    return f"{customer_id}:{fingerprint}"


async def link_bank_account(
    *, principal: Principal, customer_id: uuid.UUID | None, country: str | None, bank_code: str | None,
    account_number: str | None, iban: str | None, holder_name: str | None, method: str = MICRO_DEPOSITS,
    currency: str | None = None,
) -> BankAccountRecord:
    """A new linked bank account: VERIFIED (instant), PENDING_VERIFICATION (micro-deposits) or NEEDS_REVIEW (name)."""
    if is_staff(principal):
        raise Forbidden("bank staff do not link customers' bank accounts")
    if method not in METHODS:
        raise ValidationFailed("method must be MICRO_DEPOSITS or INSTANT", field=["method"])
    holder = clean_name(holder_name, field="holderName", max_len=200)
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    clean = check_bank_account(country=country, bank_code=bank_code, account_number=account_number, iban=iban,
                               currency=currency)
    fingerprint = account_fingerprint(clean.country, clean.number)
    key = live_key(customer.id, fingerprint)
    known = [live_key(customer.id, each) for each in account_fingerprints(clean.country, clean.number)]
    if await BankAccount.filter(live_key__in=known).exists():
        raise AlreadyLinked("this bank account is already linked to the customer", field=["accountNumber"])
    score = await holder_score(customer, holder)  # type: ignore[arg-type]
    status, deposits, verified_at = BankAccountStatus.PENDING_VERIFICATION, None, None
    if score < NAME_MATCH_THRESHOLD:
        status = BankAccountStatus.NEEDS_REVIEW  # verification starts only once bank staff approve the holder
    elif method == INSTANT:
        if not await instant_verifier().confirm(country=clean.country, bank_code=clean.bank_code, number=clean.number):
            raise VerificationFailed("the bank did not confirm the account (instant verification)", field=["method"])
        status, verified_at = BankAccountStatus.VERIFIED, clock.now()
    else:
        deposits = draw_amounts(clean.currency)
    account_id = uuid7()
    number_enc = await encrypt_value(clean.number, context=pii_context(BankAccount._meta.db_table, "number_enc", account_id))
    try:
        async with in_transaction() as conn:
            await lock_open_customer(customer.id, field=["customerId"])  # a closed customer links nothing
            row = await BankAccount.create(
                id=account_id, partner_id=customer.partner_id, customer_id=customer.id,  # type: ignore[attr-defined]
                country=clean.country, currency=clean.currency, bank_code=clean.bank_code, number_enc=number_enc,
                number_fingerprint=fingerprint, last_four=clean.last_four, holder_name=holder,
                name_score_bps=round(score * 10000), status=status, verification_method=method,
                micro_deposits=deposits, live_key=key, verified_at=verified_at, using_db=conn,
            )
            await bank_account_event("bank_account.linked", row, using_db=conn)
            if status == BankAccountStatus.VERIFIED:
                await bank_account_event("bank_account.verified", row, using_db=conn)
    except IntegrityError:  # a concurrent link of the same account won the unique live_key
        raise AlreadyLinked("this bank account is already linked to the customer", field=["accountNumber"]) from None
    return BankAccountRecord.from_row(row)
