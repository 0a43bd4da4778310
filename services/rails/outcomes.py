"""What a rail's outcome does to its transfer and the ledger: settle, fail or return, each exactly once.

- SETTLED (from SUBMITTED): the held posting is released — its legs post
  (services.ledger.held, the one hold lifecycle). Settlement records what
  already happened at the bank, so it posts even into a wallet frozen since
  (the freeze still stops the customer spending it).
- FAILED (from SUBMITTED): the held posting is rejected: a withdrawal's
  reservation ends and its limit usage is given back; nothing moved.
- RETURNED (from SETTLED): a RAIL_RETURN posting undoes the principal (a
  withdrawal's amount comes back, a top-up's leaves the wallet again; the
  fee is kept), claiming the transfer in its own atomic write. A returned
  top-up the wallet no longer covers becomes RETURN_UNRECOVERED for staff.

Each transition is a conditional update on the transfer row: of two
deliveries of one outcome (a replayed callback, two workers) exactly one
applies it, the other finds nothing to do.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import RailTransfer
from models.enums import TransactionKind
from models.ids import uuid7
from services import clock
from services.db.sql import execute
from services.errors import DomainError
from services.events import record_domain_event
from services.ledger.announce import money
from services.ledger.engine import post
from services.ledger.held import REJECT, RELEASE, decide_held_transaction
from services.ledger.request import PostingRequest
from services.ledger.side_writes import RowClaim, event_insert
from services.money import format_amount
from services.rails.interface import FAILED, RETURNED, SETTLED, RailEvent

APPLIED, NOTHING_TO_DO, UNKNOWN = "APPLIED", "NOTHING_TO_DO", "UNKNOWN"


def _body(transfer: RailTransfer, **extra: object) -> dict:
    """The payload of a rail_transfer.* event: the transfer, its transaction, its amount (and the rail's reason)."""
    return {"railTransferId": str(transfer.id), "transactionId": str(transfer.transaction_id),  # type: ignore[attr-defined]
            "amount": money(transfer.amount_minor, transfer.currency), **extra}


async def apply_rail_event(event: RailEvent) -> str:
    """Apply one outcome a rail reported: APPLIED, NOTHING_TO_DO (already applied, or not possible now) or UNKNOWN."""
    if event.status not in (SETTLED, FAILED, RETURNED):
        raise ValueError(f"not a rail outcome: {event.status!r}")
    transfer = await RailTransfer.get_or_none(rail=event.rail, rail_reference=event.reference)
    if transfer is None:
        return UNKNOWN
    if event.status == RETURNED:
        return await _returned(transfer, event.reason_code)
    settled = event.status == SETTLED
    now = clock.now()
    async with in_transaction() as conn:
        # The claim: only a SUBMITTED transfer settles or fails, once.
        claimed = await execute(
            conn, "UPDATE rail_transfer SET status = $1, reason_code = $2, settled_at = $3, ended_at = $4,"
                  " updated_at = $5 WHERE id = $6 AND status = 'SUBMITTED'",
            [event.status, event.reason_code, now if settled else None, None if settled else now, now, transfer.id])
        if claimed != 1:
            return NOTHING_TO_DO
        await decide_held_transaction(conn, transfer.transaction_id, RELEASE if settled else REJECT,  # type: ignore[attr-defined]
                                      field="railTransferId", recorded_fact=settled)
        extra = {} if settled else {"reasonCode": event.reason_code or "UNSPECIFIED"}
        await record_domain_event(
            type="rail_transfer.settled" if settled else "rail_transfer.failed", partner_id=transfer.partner_id,  # type: ignore[attr-defined]
            object_type="RailTransfer", object_id=transfer.id, payload=_body(transfer, **extra), using_db=conn)
    return APPLIED


def _rail_principal(transfer: RailTransfer) -> Principal:
    """Who posts a return: the rail itself, on the transfer's partner's books (no scopes: it is no API caller)."""
    return Principal(kind="partner", subject=f"rail:{transfer.rail}", partner_id=transfer.partner_id)  # type: ignore[attr-defined]


async def _returned(transfer: RailTransfer, reason: str | None) -> str:
    """Post the RAIL_RETURN of a SETTLED transfer, claiming it; RETURN_UNRECOVERED when the wallet cannot take it."""
    if transfer.status != "SETTLED":
        return NOTHING_TO_DO
    now = clock.now()
    return_id = uuid7()
    reason = reason or "UNSPECIFIED"
    withdrawal = transfer.direction == "OUT"
    try:
        # One idempotency key per transfer: a second delivery replays the first return instead of posting another.
        posted = await post(_rail_principal(transfer), PostingRequest(
            operation="railReturn", kind=TransactionKind.RAIL_RETURN, idempotency_key=f"rail-return-{transfer.id}",
            amount_text=_amount_text(transfer), from_wallet_id=None if withdrawal else transfer.wallet_id,  # type: ignore[attr-defined]
            to_wallet_id=transfer.wallet_id if withdrawal else None,  # type: ignore[attr-defined]
            from_field="railTransferId", to_field="railTransferId", currency=transfer.currency,
            requires_from=not withdrawal, requires_to=withdrawal, transaction_id=return_id,
            claim=RowClaim(table="rail_transfer", row_id=transfer.id, condition="status = 'SETTLED'",
                           assignment="status = 'RETURNED', return_transaction_id = $1, reason_code = $2,"
                                      " ended_at = $3, updated_at = $3",
                           values=(return_id, reason, now), refusal=_AlreadyDecided),
            inserts=(event_insert(type="rail_transfer.returned", partner_id=transfer.partner_id,  # type: ignore[attr-defined]
                                  object_type="RailTransfer", object_id=transfer.id,
                                  payload=_body(transfer, reasonCode=reason, returnTransactionId=str(return_id)),
                                  at=now),),
        ), None)
    except _AlreadyDecided:
        return NOTHING_TO_DO
    except DomainError as refused:
        return await _unrecovered(transfer, reason, refused.code)
    return NOTHING_TO_DO if posted.replayed else APPLIED


class _AlreadyDecided(DomainError):
    """The transfer was no longer SETTLED when the return posted (another delivery returned it first)."""

    code = "INVALID_STATE"

    def __init__(self) -> None:
        super().__init__("the rail transfer was already returned")


async def _unrecovered(transfer: RailTransfer, reason: str, why: str) -> str:
    """A returned top-up the wallet could not give back (spent, frozen, closed): for staff to recover, once."""
    async with in_transaction() as conn:
        claimed = await execute(
            conn, "UPDATE rail_transfer SET status = 'RETURN_UNRECOVERED', reason_code = $1, ended_at = $2,"
                  " updated_at = $2 WHERE id = $3 AND status = 'SETTLED'", [reason, clock.now(), transfer.id])
        if claimed != 1:
            return NOTHING_TO_DO
        await record_domain_event(
            type="rail_transfer.return_unrecovered", partner_id=transfer.partner_id,  # type: ignore[attr-defined]
            object_type="RailTransfer", object_id=transfer.id, payload=_body(transfer, reasonCode=reason, refusal=why),
            using_db=conn)
    return APPLIED


def _amount_text(transfer: RailTransfer) -> str:
    """The transfer's amount as the decimal text a posting request takes."""
    return format_amount(transfer.amount_minor, transfer.currency)


async def transfer_of_transaction(transaction_id: uuid.UUID) -> RailTransfer | None:
    """The rail transfer a transaction (held, or its return) belongs to, if any."""
    found = await RailTransfer.get_or_none(transaction_id=transaction_id)
    if found is None:
        found = await RailTransfer.get_or_none(return_transaction_id=transaction_id)
    return found

