"""Deferred merchant settlement: a DEFERRED merchant's payments reach its settlement wallet in batches.

A payment to a DEFERRED merchant credits the merchant's MERCHANT_CLEARING account (balance derived from entries,
never locked: services.ledger.plan), so payers of one busy merchant never queue on its settlement wallet's row.
`settle` moves what those payments put there into the settlement wallet:

1. take: in one transaction, a new OPEN `merchant_settlement` row and up to BATCH of the merchant's unsettled
   clearing payments marked with it (`settlement_id IS NULL` re-checked on each row as it is updated, so a payment
   joins one settlement only, however many run at once); its amount is what those payments' postings put in the
   clearing account (their entries on it: the amount less the merchant's fee);
2. post: one MERCHANT_SETTLEMENT posting of the engine (clearing account to settlement wallet), claiming the row
   OPEN -> POSTED in the same write, under an idempotency key of its own: posted once, whoever retries.

A crash between the two leaves an OPEN settlement, posted by the merchant's next `settle`. Invariant (`ledger
verify`): a clearing account holds exactly what its payments not yet in a POSTED settlement put there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import ClassVar

from tortoise import connections
from tortoise.transactions import in_transaction

from auth.principal import PARTNER, Principal
from models import Merchant, MerchantSettlement, Payment
from models.enums import SettlementTiming, TransactionKind
from models.ids import uuid7
from services import clock
from services.db.sql import as_uuid, execute, fetch
from services.authority import require_partner_token
from services.errors import DomainError, SettlementStateConflict, ValidationFailed
from services.ledger.engine import post
from services.ledger.plan import FundedParts
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim
from services.merchants.clearing import clearing_account
from services.money import format_amount
from services.outcome import ServiceResult
from services.scoping import get_scoped

log = logging.getLogger(__name__)

BATCH = 1000  # payments one settlement takes on (one UPDATE of their rows; the posting's size does not grow with it)


@dataclass(frozen=True)
class Settled:
    """What one `settle` call moved: settlements posted, payments they took on, and their total."""

    settlements: int
    payments: int
    amount_minor: int


# Takes up to $3 unsettled clearing payments for settlement $1. The inner SELECT finds candidates; the outer WHERE
# re-checks settlement_id IS NULL on each row as it is locked for the update (PostgreSQL re-evaluates it on the row's
# latest version), so a payment a concurrent settle took meanwhile is skipped, never taken twice.
# Only payments whose posting is POSTED: a HELD one has put nothing in the clearing account yet (it joins a later
# settlement once compliance releases it) and a REJECTED one never will.
_TAKE = (
    "UPDATE payment SET settlement_id = $1 WHERE merchant_id = $2 AND clearing AND settlement_id IS NULL AND id IN"
    " (SELECT p.id FROM payment p JOIN ledger_transaction t ON t.id = p.transaction_id WHERE p.merchant_id = $2"
    "  AND p.clearing AND p.settlement_id IS NULL AND t.status = 'POSTED' ORDER BY p.id LIMIT $3)"
)
# What the payments settlement $1 took put in the clearing account $2: their postings' entries on it (each payment's
# amount less its merchant fee), read in the same transaction as the take.
_CLEARED = (
    "SELECT COUNT(DISTINCT p.id) AS n, COALESCE(SUM(e.amount_minor), 0) AS cleared FROM payment p"
    " JOIN ledger_entry e ON e.transaction_id = p.transaction_id AND e.account_id = $2 WHERE p.settlement_id = $1"
)


_ANY_UNSETTLED = ("SELECT 1 AS one FROM payment p JOIN ledger_transaction t ON t.id = p.transaction_id"
                  " WHERE p.merchant_id = $1 AND p.settlement_id IS NULL AND p.clearing AND t.status = 'POSTED' LIMIT 1")


def _principal(merchant: Merchant) -> Principal:
    """The merchant's partner, as the bank acts for it: the settlement wallet is that partner's."""
    return Principal(kind=PARTNER, subject=f"settlement:{merchant.id}", partner_id=merchant.partner_id)  # type: ignore[attr-defined]


async def _take(merchant: Merchant) -> MerchantSettlement | None:
    """A new OPEN settlement of the merchant's unsettled clearing payments (None when there are none)."""
    if not await fetch(connections.get("default"), _ANY_UNSETTLED, [merchant.id]):
        return None  # the common case of the worker's round: no row written
    settlement_id = uuid7()
    async with in_transaction() as conn:
        row = await MerchantSettlement.create(
            id=settlement_id, partner_id=merchant.partner_id, merchant_id=merchant.id, amount_minor=0,  # type: ignore[attr-defined]
            currency=(await merchant.settlement_wallet).currency, payment_count=0, using_db=conn)
        await execute(conn, _TAKE, [settlement_id, merchant.id, BATCH])
        cleared = (await fetch(conn, _CLEARED, [settlement_id, merchant.clearing_account_id]))[0]
        if not int(cleared["n"]):
            await row.delete(using_db=conn)
            return None
        row.amount_minor, row.payment_count = int(cleared["cleared"]), int(cleared["n"])
        await row.save(using_db=conn, update_fields=["amount_minor", "payment_count"])
    return row


async def _post(merchant: Merchant, row: MerchantSettlement) -> bool:
    """The OPEN settlement's MERCHANT_SETTLEMENT posting, claiming the row (posted once, under its own key); whether
    this call posted it (False: another settle did)."""
    transaction_id = uuid7()
    if row.amount_minor <= 0:
        # Payments whose fee took all they paid leave nothing to move: the settlement closes without a posting.
        return bool(await MerchantSettlement.filter(id=row.id, status="OPEN").update(status="POSTED", posted_at=clock.now()))
    assert merchant.clearing_account_id is not None
    try:
        txn = await post(_principal(merchant), _request(merchant, row, transaction_id), None)
    except DomainError:
        # Posted meanwhile by another settle (its claim found the row POSTED): done. Anything else is a refusal (the
        # settlement wallet frozen, say): the money waits in the clearing account and the row stays OPEN.
        if not await MerchantSettlement.filter(id=row.id, status="POSTED").exists():
            raise
        return False
    return not txn.replayed  # a replayed key: another settle posted it first


def _request(merchant: Merchant, row: MerchantSettlement, transaction_id: uuid.UUID) -> PostingRequest:
    """The settlement's posting: the clearing account pays the amount to the settlement wallet, the row claimed."""
    assert merchant.clearing_account_id is not None
    return PostingRequest(
        operation="merchantSettle", kind=TransactionKind.MERCHANT_SETTLEMENT, idempotency_key=f"settle-{row.id}",
        amount_text=format_amount(row.amount_minor, row.currency), from_wallet_id=None,
        to_wallet_id=merchant.settlement_wallet_id, from_field="merchantId", to_field="merchantId",  # type: ignore[attr-defined]
        currency=row.currency, requires_to=True, transaction_id=transaction_id,
        funded=FundedParts(((merchant.clearing_account_id, row.amount_minor),)),
        claim=RowClaim(table="merchant_settlement", row_id=row.id, condition="status = 'OPEN'",
                       assignment="status = 'POSTED', transaction_id = $1, posted_at = $2",
                       values=(transaction_id, clock.now()),
                       refusal=lambda: SettlementStateConflict("the settlement was posted already", field=["merchantId"])),
        subject=f"MerchantSettlement:{row.id}",
    )


async def settle(merchant_id: uuid.UUID) -> Settled:
    """Move a DEFERRED merchant's cleared payments into its settlement wallet: its OPEN settlements first, then new
    batches until none is left (IMMEDIATE merchants have nothing to settle)."""
    merchant = await Merchant.get(id=merchant_id)
    if clearing_account(merchant) is None:
        return Settled(0, 0, 0)
    settlements = payments = amount = 0
    pending = await MerchantSettlement.filter(merchant_id=merchant.id, status="OPEN").order_by("id")
    while True:
        for row in pending:
            if await _post(merchant, row):  # counted by the call that posted it
                settlements, payments, amount = settlements + 1, payments + row.payment_count, amount + row.amount_minor
        row = await _take(merchant)
        if row is None:
            return Settled(settlements, payments, amount)
        pending = [row]


async def settle_due() -> Settled:
    """Settle every DEFERRED merchant (the worker's job, every SWEEP_EVERY): each finds its unsettled payments by
    the (merchant_id, settlement_id) index; one with none writes nothing."""
    rows = await fetch(connections.get("default"), "SELECT id FROM merchant WHERE settlement = 'DEFERRED' ORDER BY id", [])
    total = Settled(0, 0, 0)
    for r in rows:
        try:
            done = await settle(as_uuid(r["id"]))
        except DomainError as refused:
            # One merchant's settlement wallet refusing (frozen, its customer held) keeps its money in clearing until
            # it may receive again; the other merchants settle regardless.
            log.warning("merchant %s not settled: %s", r["id"], refused)
            continue
        total = Settled(total.settlements + done.settlements, total.payments + done.payments,
                        total.amount_minor + done.amount_minor)
    return total


@dataclass(frozen=True, kw_only=True)
class SettleResult(ServiceResult):
    """merchantSettle's answer: what this call moved, and what the merchant's clearing account still holds."""

    audit_type: ClassVar[str] = "Merchant"

    id: uuid.UUID  # the merchant (what the audit row names)
    partner_id: uuid.UUID
    currency: str
    settled: Settled
    unsettled_minor: int


async def settle_merchant(*, principal: Principal, merchant_id: uuid.UUID | None) -> SettleResult:
    """merchantSettle: settle one of the partner's DEFERRED merchants now (VALIDATION for an IMMEDIATE one)."""
    require_partner_token(principal)
    merchant = await get_scoped(Merchant, principal, merchant_id, what="merchant", field=["merchantId"])
    if merchant.settlement != SettlementTiming.DEFERRED:
        raise ValidationFailed("the merchant settles IMMEDIATE: its payments are in its settlement wallet already",
                               field=["merchantId"])
    done = await settle(merchant.id)
    wallet = await merchant.settlement_wallet
    return SettleResult(id=merchant.id, partner_id=merchant.partner_id, currency=wallet.currency, settled=done,  # type: ignore[attr-defined]
                        unsettled_minor=await unsettled_minor(merchant.id))


async def reversal_legs(transaction_id: uuid.UUID, entries: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """A payment's entries as its reversal must negate them: a DEFERRED merchant's payment is settled first, and the
    merchant gives the money back from its settlement wallet (its clearing account's leg moved there), as from a
    payment it was paid directly: the payment's own settlement still moves what it cleared, so `ledger verify`'s
    clearing invariant holds whenever the reversal comes."""
    payment = await Payment.get_or_none(transaction_id=transaction_id)
    if payment is None or not payment.clearing:
        return entries
    merchant = await Merchant.get(id=payment.merchant_id)  # type: ignore[attr-defined]
    await settle(merchant.id)  # so the settlement wallet holds the money it gives back
    wallet = await merchant.settlement_wallet
    return tuple((wallet.account_id if account == merchant.clearing_account_id else account, amount)  # type: ignore[attr-defined]
                 for account, amount in entries)


async def unsettled_minor(merchant_id: uuid.UUID) -> int:
    """What the merchant's payments put in its clearing account that no POSTED settlement has moved on yet."""
    merchant = await Merchant.get(id=merchant_id)
    if merchant.clearing_account_id is None:
        return 0
    rows = await fetch(connections.get("default"),
                       "SELECT COALESCE(SUM(amount_minor), 0) AS s FROM ledger_entry WHERE account_id = $1",
                       [merchant.clearing_account_id])
    return int(rows[0]["s"])

