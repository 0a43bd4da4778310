"""The payment row as the lock of everything that gives a payment back (refunds, a reversal, a rejection)."""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Payment
from services.db.sql import fetch, is_postgres


async def lock_payment(conn: BaseDBAsyncClient, payment_id: uuid.UUID) -> Payment:
    """Lock the payment's row for the rest of the transaction and read it (SQLite runs one writer at a time)."""
    suffix = " FOR UPDATE" if is_postgres(conn) else ""
    # Locked, then read: the refunded total read after the lock is the one every later change starts from.
    await fetch(conn, f"SELECT id FROM payment WHERE id = $1{suffix}", [payment_id])
    return await Payment.get(id=payment_id).using_db(conn)
