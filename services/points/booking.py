"""Points postings that move no money (earn, clawback, expiry): balanced legs in the programme's unit, one transaction.

The posting engine (services.ledger.engine) plans around wallets (fees, limits, compliance) and has no leg for an
account that is not a wallet's or the bank's; points legs are between a programme's own accounts only, so they are
booked here with the engine's own pieces: `balanced_legs` proves the legs balance, the customer's POINTS account
is the one account whose stored balance changes (a conditional update in the same transaction: it never goes
below zero), and the transaction, its entries and the outbox event commit together or not at all. A redemption,
which also moves money, goes through the engine itself (services.points.redeeming).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Entry, Transaction
from models.enums import TransactionKind, TransactionStatus
from services.db.sql import execute, fetch, is_postgres
from services.errors import InsufficientPoints
from services.events import record_domain_event
from services.ledger.entries import Leg, balanced_legs


@dataclass(frozen=True)
class PointsMove:
    """One points posting: `points` from one programme account to another, and its outbox event."""

    transaction_id: uuid.UUID
    partner_id: uuid.UUID
    kind: TransactionKind
    unit: str
    points: int
    debit_account_id: int
    credit_account_id: int
    customer_account_id: int  # the POINTS account among the two (its stored balance changes)
    idempotency_key: str
    memo: str
    event_type: str
    event_object_type: str
    event_object_id: str
    event_payload: dict[str, Any]


async def lock_points_account(conn: BaseDBAsyncClient, account_id: int) -> int:
    """Lock the customer's POINTS account row for the rest of the transaction (PostgreSQL) and read its balance."""
    suffix = " FOR UPDATE" if is_postgres(conn) else ""
    rows = await fetch(conn, f"SELECT balance_minor FROM account WHERE id = $1{suffix}", [account_id])
    return int(rows[0]["balance_minor"])


async def book(conn: BaseDBAsyncClient, move: PointsMove) -> None:
    """Write the posting (transaction, two entries, the POINTS balance, the event) inside the caller's transaction."""
    legs = balanced_legs([
        Leg(account_id=move.debit_account_id, amount_minor=-move.points, currency=move.unit),
        Leg(account_id=move.credit_account_id, amount_minor=move.points, currency=move.unit),
    ])
    delta = move.points if move.credit_account_id == move.customer_account_id else -move.points
    # Never below zero, whatever the caller computed: the condition is checked on the row's latest version.
    changed = await execute(conn, "UPDATE account SET balance_minor = balance_minor + $1"
                                  " WHERE id = $2 AND balance_minor + $1 >= 0", [delta, move.customer_account_id])
    if changed != 1:
        raise InsufficientPoints("not enough points", field=["points"])
    await Transaction.create(
        id=move.transaction_id, partner_id=move.partner_id, kind=move.kind, status=TransactionStatus.POSTED,
        currency=move.unit, amount_minor=move.points, fee_minor=0, memo=move.memo[:280],
        idempotency_key=move.idempotency_key, using_db=conn,
    )
    await Entry.bulk_create([
        Entry(transaction_id=move.transaction_id, account_id=leg.account_id, amount_minor=leg.amount_minor,
              currency=leg.currency, partner_id=move.partner_id) for leg in legs
    ], using_db=conn)
    await record_domain_event(type=move.event_type, partner_id=move.partner_id, object_type=move.event_object_type,
                              object_id=move.event_object_id, payload=move.event_payload, using_db=conn)
