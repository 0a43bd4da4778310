"""Customer.points(programId): the balance, what expires soon, and the history of the customer's points postings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth.principal import Principal
from models import Entry, PointsAccount, PointsEarnRule, PointsProgram, Transaction
from services import clock
from services.errors import NotFound, ValidationFailed
from services.points.holdings import holding
from services.points.programs import visible_program
from services.points.records import ProgramRecord, RuleRecord

MAX_DAYS = 3660
MAX_PAGE = 100


@dataclass(frozen=True)
class PointsBalance:
    """A customer's points in one programme."""

    program_id: uuid.UUID
    customer_id: uuid.UUID
    account_id: int | None
    balance: int  # spendable: the account's balance less points expired but not yet swept
    held: int  # the account's balance as booked


@dataclass(frozen=True)
class PointsMovement:
    """One points posting on the customer's account: what kind, how many (signed), when."""

    transaction_id: uuid.UUID
    kind: str
    points: int
    at: datetime
    entry_id: int


async def points_balance(program_id: uuid.UUID, customer_id: uuid.UUID) -> PointsBalance:
    """The customer's spendable and booked points in the programme (zero when it never earned)."""
    held = await holding(program_id, customer_id, now=clock.now())
    return PointsBalance(program_id=program_id, customer_id=customer_id, account_id=held.account_id,
                         balance=held.spendable, held=held.balance)


async def expiring_soon(program_id: uuid.UUID, customer_id: uuid.UUID, days: int) -> int:
    """The customer's points that expire within `days` days (not those already expired)."""
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"days must be 1 to {MAX_DAYS}", field=["days"])
    now = clock.now()
    return (await holding(program_id, customer_id, now=now, until=now + timedelta(days=days))).expiring_points


async def history(account_id: int | None, *, first: int, after: int | None) -> list[PointsMovement]:
    """The account's postings, newest first, `first` of them after the entry id `after` (keyset paging)."""
    if not isinstance(first, int) or not 1 <= first <= MAX_PAGE:
        raise ValidationFailed(f"first must be 1 to {MAX_PAGE}", field=["first"])
    if account_id is None:
        return []
    query = Entry.filter(account_id=account_id)
    if after is not None:
        query = query.filter(id__lt=after)
    entries = await query.order_by("-id").limit(first)
    kinds = dict(await Transaction.filter(id__in=[e.transaction_id for e in entries]).values_list("id", "kind"))  # type: ignore[attr-defined]
    return [PointsMovement(transaction_id=e.transaction_id, kind=str(getattr(kinds[e.transaction_id], "value",  # type: ignore[attr-defined]
                           kinds[e.transaction_id])), points=e.amount_minor, at=e.created_at, entry_id=e.id)  # type: ignore[attr-defined]
            for e in entries]


@dataclass(frozen=True)
class ProgramTotals:
    """A programme's points by where they are: issued = outstanding + redeemed + expired."""

    issued: int
    outstanding: int
    redeemed: int
    expired: int


async def program_totals(program_id: uuid.UUID) -> ProgramTotals:
    """The programme's totals, each summed from the ledger entries of its accounts."""
    program = await PointsProgram.get(id=program_id)
    customer_accounts = await PointsAccount.filter(program_id=program_id).values_list("account_id", flat=True)

    async def total(account_ids: list[int]) -> int:
        amounts = await Entry.filter(account_id__in=account_ids).values_list("amount_minor", flat=True) if account_ids else []
        return sum(int(a) for a in amounts)

    return ProgramTotals(
        issued=-await total([program.issuance_account_id]),  # type: ignore[attr-defined]
        outstanding=await total(list(customer_accounts)),
        redeemed=await total([program.redeemed_account_id]),  # type: ignore[attr-defined]
        expired=await total([program.expired_account_id]),  # type: ignore[attr-defined]
    )


async def get_program(*, principal: Principal, program_id: uuid.UUID) -> ProgramRecord:
    """A programme the caller may see (its partner's, the bank's, or any for staff), or NOT_FOUND."""
    return ProgramRecord.of(await visible_program(principal, program_id))


async def get_rule(*, principal: Principal, rule_id: uuid.UUID) -> RuleRecord:
    """An earn rule of a programme the caller may see, or NOT_FOUND."""
    row = await PointsEarnRule.get_or_none(id=rule_id)
    if row is None:
        raise NotFound("earn rule not found", field=["id"])
    try:
        program = await visible_program(principal, row.program_id)  # type: ignore[attr-defined]
    except NotFound:
        raise NotFound("earn rule not found", field=["id"]) from None
    return RuleRecord.of(row, program)
