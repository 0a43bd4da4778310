"""Points without a hot row: a programme's POINTS_RESERVE account and each customer's funded_minor (issue 15).

Why: a points payment used to be paid by a TRANSFER from the programme's funding wallet, one row every points payment
locked to its commit. Now the value of earned points is set aside ahead, per customer:

- Funding (`fund_earned`): after the earn feed grants points, one POINTS_FUNDING posting moves their value from the
  funding wallet to the programme's POINTS_RESERVE account (balance derived from entries, never locked) and, in the
  same write, raises the customer's `points_account.funded_minor` by the same amount. Background and serial: the
  funding wallet's lock is off the request path. If the funding wallet cannot pay, the points stay unfunded.
- Spending (services.coupons.checkout): when funded_minor covers the points' value, the discount is a funded leg of
  the payment itself, paid by the reserve; the payment claims the customer's POINTS balance and funded_minor, both
  rows the customer's own. Otherwise the payment takes the old path (the TRANSFER from the funding wallet).
- Giving back (services.points.returning): a refund pays the value back into the reserve and raises funded_minor;
  a reversal or rejection of the payment already returned the reserve's leg, so only funded_minor rises.
- Releasing (`release_excess`): when points expire or are clawed back, what funded_minor holds beyond the value of
  the points left goes back to the funding wallet (POINTS_RELEASE).

Every step changes the reserve's balance and the sum of its programme's funded_minor by the same amount, so per
programme they are equal (`qianbao ledger verify` checks it), and the reserve can never be overdrawn: each
customer's claim keeps its own part non-negative.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import PARTNER, Principal
from models import PointsAccount, PointsProgram, Wallet
from models.enums import TransactionKind, WalletStatus
from models.ids import uuid7
from services.db.sql import as_uuid, fetch, is_postgres
from services.errors import DomainError
from services.ledger.engine import post
from services.ledger.plan import FundedParts
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim
from services.money import MAX_MINOR, format_amount

log = logging.getLogger(__name__)


class ReserveShort(DomainError):
    """The customer's funded_minor no longer covers the points' value (spent meanwhile): the payment takes the old path."""

    code = "INVALID_STATE"

    def __init__(self) -> None:
        super().__init__("the points' funding was spent meanwhile")


@dataclass(frozen=True)
class Funding:
    """What a customer's points in a programme have set aside: the reserve account and the customer's part of it."""

    reserve_account_id: int | None  # None: a programme without a reserve (never after migration 0038)
    points_account_row_id: uuid.UUID
    funded_minor: int

    def covers(self, value_minor: int) -> bool:
        """Whether the reserve pays `value_minor` for this customer (otherwise the funding wallet does)."""
        return self.reserve_account_id is not None and self.funded_minor >= value_minor


def spend_claim(points_account_row_id: uuid.UUID, value_minor: int) -> RowClaim:
    """The customer's funded_minor still covers the value and gives it up (ReserveShort otherwise, nothing written)."""
    return RowClaim(table="points_account", row_id=points_account_row_id, condition="funded_minor >= $1",
                    assignment="funded_minor = funded_minor - $1", values=(value_minor,), refusal=ReserveShort)


def fund_claim(points_account_row_id: uuid.UUID, value_minor: int) -> RowClaim:
    """The customer's funded_minor takes `value_minor` more (money entering the reserve in the same write)."""
    return RowClaim(table="points_account", row_id=points_account_row_id, condition="funded_minor >= 0",
                    assignment="funded_minor = funded_minor + $1", values=(value_minor,), refusal=ReserveShort)


def _acting_for(wallet: Wallet, subject: str) -> Principal:
    """The programme's own money moves on its funding wallet's partner's books (no API caller: no scopes)."""
    return Principal(kind=PARTNER, subject=subject, partner_id=wallet.partner_id)  # type: ignore[attr-defined]


async def fund_earned(*, program: PointsProgram, customer_id: uuid.UUID, points: int, lot_id: uuid.UUID) -> bool:
    """Set the value of newly earned points aside in the reserve (True), or leave them unfunded (False, logged)."""
    fresh = await PointsProgram.get(id=program.id)  # its reserve account, not the cached row's
    value = points * fresh.value_minor_per_point
    holder = await PointsAccount.get_or_none(program_id=fresh.id, customer_id=customer_id)
    if holder is None or not 0 < value <= MAX_MINOR:
        return False
    return await _fund(fresh, value, key=f"points-funding-{lot_id}", claim=fund_claim(holder.id, value))


async def _fund(program: PointsProgram, value_minor: int, *, key: str, claim: RowClaim) -> bool:
    """One POINTS_FUNDING posting with its claim on the customer's funding row; False if the funding wallet refuses."""
    if program.reserve_account_id is None:
        return False
    wallet = await Wallet.get(id=program.funding_wallet_id)  # type: ignore[attr-defined]
    try:
        await post(_acting_for(wallet, key), PostingRequest(
            operation="pointsFunding", kind=TransactionKind.POINTS_FUNDING, idempotency_key=key[:200],
            amount_text=format_amount(value_minor, program.value_currency), from_wallet_id=wallet.id, to_wallet_id=None,
            from_field="programId", to_field="programId", currency=program.value_currency,
            memo=f"points funded: {program.name}"[:280], requires_from=True,
            funded=FundedParts(((program.reserve_account_id, value_minor),)), claim=claim,
        ), None)
    except DomainError as refusal:
        # The funding wallet cannot pay (too little money, frozen), or the customer's funding changed meanwhile:
        # the points stay spendable, through the funding wallet when used (the old path).
        log.info("points funding %s not posted: %s", key, refusal.code)
        return False
    return True


@dataclass(frozen=True)
class FundingRun:
    """What `fund_outstanding` did: customers whose points it funded, the money moved, and customers left as they were."""

    funded: int
    funded_minor: int
    left: int
    last: uuid.UUID | None  # the last customer's funding row looked at: the next batch starts after it (None: done)


async def fund_outstanding(*, limit: int = 1000, after: uuid.UUID | None = None) -> FundingRun:
    """Fund the points that earning left unfunded (before the reserve existed, or a funding wallet that could not pay).

    For up to `limit` customers whose funding is below the value of the points they hold (after `after`, in order),
    one POINTS_FUNDING each for the difference. The claim holds only if the customer's funding is still what was
    read, so two runs at once, or a payment spending the funding meanwhile, never fund twice: that customer is left
    for the next run.
    """
    rows = await fetch(connections.get("default"), _UNFUNDED_SQL, [after or uuid.UUID(int=0), limit])
    funded = funded_minor = left = 0
    last = None
    for row in rows:
        program = await PointsProgram.get(id=row["program_id"])
        gap = int(row["balance_minor"]) * program.value_minor_per_point - int(row["funded_minor"])
        row_id = as_uuid(row["id"])
        claim = RowClaim(table="points_account", row_id=row_id, condition="funded_minor = $2",
                         assignment="funded_minor = funded_minor + $1", values=(gap, int(row["funded_minor"])),
                         refusal=ReserveShort)
        last = row_id
        key = f"points-funding-gap-{row_id}-{row['funded_minor']}-{row['balance_minor']}"
        if 0 < gap <= MAX_MINOR and await _fund(program, gap, key=key, claim=claim):
            funded, funded_minor = funded + 1, funded_minor + gap
        else:
            left += 1
    return FundingRun(funded=funded, funded_minor=funded_minor, left=left, last=last if len(rows) == limit else None)


# Customers whose funding is below the value of the points they hold, in programmes with a reserve.
_UNFUNDED_SQL = (
    "SELECT pa.id, pa.program_id, pa.funded_minor, a.balance_minor FROM points_account pa"
    " JOIN account a ON a.id = pa.account_id JOIN points_program p ON p.id = pa.program_id"
    # NUMERIC: a points balance times a point's value may pass 64 bits (then it is left unfunded, not an error).
    " WHERE p.reserve_account_id IS NOT NULL"
    " AND pa.funded_minor < CAST(a.balance_minor AS NUMERIC) * p.value_minor_per_point"
    " AND pa.id > $1 ORDER BY pa.id LIMIT $2"
)


async def release_excess(conn: BaseDBAsyncClient, *, program: PointsProgram, customer_id: uuid.UUID,
                         points_left: int, key: str) -> int:
    """Give back to the funding wallet what the customer's funded_minor holds beyond its points' value; how much.

    Inside the caller's transaction (an expiry's or a clawback's), which has locked the customer's POINTS account.
    """
    fresh = await PointsProgram.get(id=program.id).using_db(conn)
    suffix = " FOR UPDATE" if is_postgres(conn) else ""
    # Locked (PostgreSQL): a payment spending the funding meanwhile waits, so the release's claim cannot fail.
    rows = await fetch(conn, f"SELECT id, funded_minor FROM points_account WHERE program_id = $1 AND customer_id = $2"
                             f"{suffix}", [fresh.id, customer_id])
    if not rows or fresh.reserve_account_id is None:
        return 0
    row_id = as_uuid(rows[0]["id"])
    excess = int(rows[0]["funded_minor"]) - max(points_left, 0) * fresh.value_minor_per_point
    if excess <= 0:
        return 0
    wallet = await Wallet.get(id=fresh.funding_wallet_id).using_db(conn)  # type: ignore[attr-defined]
    if wallet.status != WalletStatus.ACTIVE:
        # The funding wallet cannot take it back (frozen or closed): the money stays set aside for this customer
        # (funded beyond its points, which only makes its next payments reserve-paid) and the expiry, clawback or
        # redemption goes on; a later release gives it back. Checked before posting: on PostgreSQL the engine's
        # refusal of a frozen wallet would leave the caller's transaction aborted.
        log.warning("points funding release %s not posted: the funding wallet is %s", key, wallet.status)
        return 0
    try:
        await post(_acting_for(wallet, f"points-release:{key}"), PostingRequest(
            operation="pointsRelease", kind=TransactionKind.POINTS_RELEASE,
            # Its own key every time: a release is recomputed from the rows on every run of its caller, and a key
            # seen before (one customer's expiry run twice at one instant) would abort the caller's transaction on
            # PostgreSQL instead of replaying.
            idempotency_key=f"points-release-{key}"[:160] + f"-{uuid7()}", amount_text=format_amount(excess, fresh.value_currency),
            from_wallet_id=None, to_wallet_id=wallet.id, from_field="programId", to_field="programId",
            currency=fresh.value_currency, memo=f"points funding released: {fresh.name}"[:280], requires_to=True,
            funded=FundedParts(((fresh.reserve_account_id, excess),)), claim=spend_claim(row_id, excess),
        ), None)
    except DomainError as refusal:
        # Refused before its statement ran (SQLite: its guarded steps wrote nothing): as above. A wallet frozen
        # after the check above makes the caller's transaction fail instead, and its job retries.
        log.warning("points funding release %s not posted: %s", key, refusal.code)
        return 0
    return excess
