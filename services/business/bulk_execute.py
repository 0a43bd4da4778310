"""bulkPayoutExecute: run a batch once; each line is one posting of the posting engine, paid at most once.

Exactly once, however often execute is called (retries, two calls at the same time, a crash half-way):

- The batch is bound to the first execute's idempotencyKey (a guarded UPDATE from READY): the same key resumes
  or replays; another key is IDEMPOTENCY_CONFLICT.
- Each line posts with its own idempotency key derived from the batch id and line number, always in the partner's
  key namespace (whoever executes): a line posted twice is the engine's replay of the original transaction, never
  a second payment, even when two runners post it at the same moment (the key's unique index decides).
- A lease on the batch (lease_until) lets one runner work at a time; another execute meanwhile answers the
  progress so far. A runner that died leaves PENDING lines: after the lease lapses the next execute resumes them.
- The line's PENDING -> PAID is a claim in the posting's own atomic write (services.ledger.side_writes), so a
  paid line is never seen PENDING; a runner posts four lines at a time on PostgreSQL, one on SQLite.

Wallet lines are TRANSFERs to the beneficiary wallet (memo: the line's reference); linked bank account lines are
withdrawals to the business's own verified account through the payment rail (HELD until the rail settles).
ALL_OR_NOTHING checks, before anything moves, that every line is valid, every beneficiary wallet still ACTIVE and
that the available balance covers the total. Funds are not reserved: a payment made from the wallet while the
batch runs can still make a later line fail (INSUFFICIENT_FUNDS, recorded on the line). PARTIAL pays each valid
line once and records the refusals. Transfer fees, when the partner's fee schedule charges any, come on top.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta

from tortoise.transactions import in_transaction

from auth.principal import PARTNER, Principal
from models import Account, Wallet
from models.bulk_payout import BulkPayout, BulkPayoutLine
from models.enums import TransactionKind, WalletStatus
from models.ids import uuid7
from services import clock
from services.business.bulk_csv import BANK_ACCOUNT, WALLET
from services.business.bulk_events import announce
from services.business.bulk_queries import line_counts, record_of, visible_batch
from services.business.bulk_records import (
    ALL_OR_NOTHING, AWAITING_APPROVAL, COMPLETED, COMPLETED_WITH_FAILURES, EXECUTING, FINISHED, INVALID,
    LINE_FAILED, LINE_PAID, LINE_PENDING, READY, BulkPayoutRecord,
)
from services.business.member_permissions import MemberAction
from services.business.members import authorize
from services.errors import (
    ApprovalRequired, BulkPayoutInvalid, BulkPayoutStateConflict, DomainError, IdempotencyConflict,
    InsufficientFunds, WalletNotActive,
)
from services.ledger.engine import backend_name, post
from services.ledger.idempotency import check_key
from services.ledger.posting import post_withdrawal
from services.ledger.records import TransactionRecord
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim
from services.money import format_amount

FIELD = ["bulkPayoutId"]
LEASE = timedelta(seconds=60)
CHUNK = 200  # lines read per round (and the lease renewed after each)
POSTGRES_WORKERS = 4


def line_key(batch_id: uuid.UUID, line_number: int) -> str:
    """A line's idempotency key: the same for every run of the batch, so the line is paid at most once."""
    return f"bulk-payout:{batch_id}:{line_number}"


def line_runner(principal: Principal) -> Principal:
    """Who every line posts as: the partner itself (one key namespace whoever executes, and no member rule per line:
    the batch as a whole was authorised and, above the threshold, approved)."""
    return replace(principal, kind=PARTNER, customer_id=None, member_id=None, member_role=None,
                   auth_methods=frozenset(), auth_time=None)


async def _check_all_or_nothing(batch: BulkPayout) -> None:
    """Before anything moves: every beneficiary wallet still ACTIVE and the available balance covers the total."""
    wallet_ids = await BulkPayoutLine.filter(bulk_payout_id=batch.id, status=LINE_PENDING, beneficiary_kind=WALLET) \
        .distinct().values_list("beneficiary_id", flat=True)
    ids = list(wallet_ids)
    for start in range(0, len(ids), 900):
        stopped = await Wallet.filter(id__in=ids[start:start + 900]).exclude(status=WalletStatus.ACTIVE) \
            .values_list("id", flat=True)
        if stopped:
            first = await BulkPayoutLine.filter(bulk_payout_id=batch.id, beneficiary_id=stopped[0]) \
                .order_by("line_number").first()
            number = first.line_number if first else "?"
            raise BulkPayoutInvalid(f"line {number}: the beneficiary wallet is no longer ACTIVE", field=FIELD)
    wallet = await Wallet.get(id=batch.from_wallet_id)  # type: ignore[attr-defined]
    account = await Account.get(id=wallet.account_id)  # type: ignore[attr-defined]
    available = account.balance_minor - account.held_minor
    if available < batch.total_minor:
        raise InsufficientFunds(
            f"the wallet's available balance {format_amount(available, batch.currency)} is below the batch total"
            f" {format_amount(batch.total_minor, batch.currency)}", field=FIELD)


async def _start(batch: BulkPayout, key: str) -> None:
    """Bind the batch to this execute's key and mark it EXECUTING, after the checks its mode needs."""
    if batch.status == INVALID:
        raise BulkPayoutInvalid("the batch has invalid lines (or none valid): read its lines' errors", field=FIELD)
    if batch.status == AWAITING_APPROVAL:
        raise ApprovalRequired("the batch total is above the approval threshold: another member must approve it"
                               " (bulkPayoutApprove)", field=FIELD)
    if batch.status != READY:
        raise BulkPayoutStateConflict(f"the bulk payout is {batch.status}", field=FIELD)
    wallet = await Wallet.get(id=batch.from_wallet_id)  # type: ignore[attr-defined]
    if wallet.status != WalletStatus.ACTIVE:
        raise WalletNotActive("the paying wallet is not ACTIVE", field=FIELD)
    if batch.mode == ALL_OR_NOTHING:
        await _check_all_or_nothing(batch)
    # Guarded: of two first executes racing, one binds its key; the other then finds the batch bound.
    await BulkPayout.filter(id=batch.id, status=READY, execute_key__isnull=True).update(
        status=EXECUTING, execute_key=key, started_at=clock.now())


async def _take_lease(batch_id: uuid.UUID) -> bool:
    """Become the batch's runner unless a live runner holds it (one guarded UPDATE)."""
    now = clock.now()
    free = await BulkPayout.filter(id=batch_id, status=EXECUTING, lease_until__isnull=True).update(lease_until=now + LEASE)
    if free:
        return True
    return bool(await BulkPayout.filter(id=batch_id, status=EXECUTING, lease_until__lt=now).update(lease_until=now + LEASE))


async def _post_line(batch: BulkPayout, line: BulkPayoutLine, runner: Principal) -> TransactionRecord:
    """The line's posting (or the engine's replay of it): a transfer, or a rail withdrawal to a linked account."""
    amount = format_amount(line.amount_minor or 0, batch.currency)
    key = line_key(batch.id, line.line_number)
    if line.beneficiary_kind == BANK_ACCOUNT:
        return await post_withdrawal(principal=runner, wallet_id=batch.from_wallet_id, amount=amount,  # type: ignore[attr-defined]
                                     idempotency_key=key, currency=batch.currency,
                                     source=(BANK_ACCOUNT, line.beneficiary_id))
    transaction_id = uuid7()
    return await post(runner, PostingRequest(
        operation="bulkPayoutExecute", kind=TransactionKind.TRANSFER, idempotency_key=key, amount_text=amount,
        from_wallet_id=batch.from_wallet_id, to_wallet_id=line.beneficiary_id,  # type: ignore[attr-defined]
        from_field="bulkPayoutId", to_field="beneficiary", memo=line.reference, currency=batch.currency,
        requires_from=True, requires_to=True, subject=f"BulkPayout:{batch.id}:{line.line_number}",
        transaction_id=transaction_id, claim=_line_claim(line, transaction_id),
    ), None)


def _line_claim(line: BulkPayoutLine, transaction_id: uuid.UUID) -> RowClaim:
    """The line goes PENDING -> PAID in the posting's own atomic write (one round trip less, and no moment where
    the money moved but the line says otherwise); a line no longer PENDING refuses, and the engine then answers
    with the original posting of the line's key if there is one."""
    return RowClaim(
        table="bulk_payout_line", row_id=line.id, condition="status = $1",
        assignment="status = $2, transaction_id = $3, updated_at = $4",
        values=(LINE_PENDING, LINE_PAID, transaction_id, clock.now()),
        refusal=lambda: BulkPayoutStateConflict("the line was already settled by another run", field=FIELD),
    )


async def pay_line(batch: BulkPayout, line: BulkPayoutLine, runner: Principal) -> None:
    """Post one line and record the result on it: PAID with its transaction, or FAILED with the refusal's code."""
    try:
        txn = await _post_line(batch, line, runner)
    except DomainError as refusal:
        # Only a PENDING line fails: a runner that lost a race must not overwrite another's PAID.
        await BulkPayoutLine.filter(id=line.id, status=LINE_PENDING).update(
            status=LINE_FAILED, error_code=refusal.code, error_message=refusal.message[:300], updated_at=clock.now())
        return
    if line.beneficiary_kind == WALLET and not txn.replayed:
        return  # the posting's claim marked the line PAID in its own write
    # A rail line, or a replay (another run posted it): mark it here. PAID wins over a FAILED another runner wrote
    # meanwhile: the key's transaction exists, so the line is paid.
    await BulkPayoutLine.filter(id=line.id, status__in=[LINE_PENDING, LINE_FAILED]).update(
        status=LINE_PAID, transaction_id=txn.id, error_code=None, error_message=None, updated_at=clock.now())


def _workers() -> int:
    """Lines posted at once: several on PostgreSQL (each posting waits on its commit; the paying wallet's row lock
    still orders them), one on SQLite (one connection, one writer)."""
    return POSTGRES_WORKERS if backend_name() == "postgres" else 1


async def run_lines(batch: BulkPayout, runner: Principal) -> None:
    """Pay every PENDING line in file order (a few at a time on PostgreSQL), renewing the lease; then close the batch."""
    while True:
        chunk = await BulkPayoutLine.filter(bulk_payout_id=batch.id, status=LINE_PENDING).order_by("line_number") \
            .limit(CHUNK)
        if not chunk:
            break
        lines = iter(chunk)  # shared by the workers: each line is taken by one of them

        async def worker() -> None:
            for line in lines:
                await pay_line(batch, line, runner)

        # A task group: if one worker fails (a lost connection, a crash), the others stop too, as in a dead process.
        async with asyncio.TaskGroup() as group:
            for _ in range(_workers()):
                group.create_task(worker())
        await BulkPayout.filter(id=batch.id, status=EXECUTING).update(lease_until=clock.now() + LEASE)
    await _finish(batch.id)


async def _finish(batch_id: uuid.UUID) -> None:
    """EXECUTING -> COMPLETED (every line paid) or COMPLETED_WITH_FAILURES, once, with bulk_payout.completed."""
    counts = await line_counts(batch_id)
    async with in_transaction() as conn:
        not_paid = counts.failed + counts.invalid
        status = COMPLETED if not_paid == 0 else COMPLETED_WITH_FAILURES
        changed = await BulkPayout.filter(id=batch_id, status=EXECUTING).using_db(conn).update(
            status=status, paid_count=counts.paid, failed_count=not_paid, paid_minor=counts.paid_minor,
            completed_at=clock.now(), lease_until=None)
        if changed == 1:
            batch = await BulkPayout.get(id=batch_id).using_db(conn)
            await announce(conn, "bulk_payout.completed", batch, paid=counts.paid, failed=not_paid,
                           amount_minor=counts.paid_minor)


async def execute_bulk_payout(*, principal: Principal, bulk_payout_id: uuid.UUID | None,
                              idempotency_key: str) -> BulkPayoutRecord:
    """Run the batch (or resume it, or answer its result): each valid line paid exactly once."""
    key = check_key(idempotency_key)
    batch = await visible_batch(principal, bulk_payout_id, field=FIELD)
    await authorize(principal, batch.customer_id, MemberAction.PAY, field=FIELD)  # type: ignore[attr-defined]
    replayed = batch.execute_key is not None
    if not replayed:
        await _start(batch, key)
        batch = await BulkPayout.get(id=batch.id)
    if batch.execute_key != key:
        raise IdempotencyConflict("this bulk payout already runs under another idempotencyKey: retry with that one"
                                  " (or read its progress with bulkPayout)", field=["idempotencyKey"])
    if batch.status not in FINISHED and await _take_lease(batch.id):
        await run_lines(batch, line_runner(principal))
        batch = await BulkPayout.get(id=batch.id)
    return await record_of(batch, replayed=replayed)
