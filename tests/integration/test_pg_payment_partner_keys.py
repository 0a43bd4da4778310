"""Migration 0041 (PostgreSQL): a payment's partner keys must agree with its wallet's and its merchant's partner.

Each partner finds payments by its own key (payment.partner_id for the payer's, merchant_partner_id for the
merchant's), so the database refuses a row whose key disagrees with the rows it copies.
"""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from models import Payment
from services.db.sql import execute, fetch
from services.ledger.verify import verify_ledger
from tests.conftest import requires_postgres
from tests.integration.service_support import new_partner
from tests.integration.test_merchant_settlement import _pay, _world

pytestmark = requires_postgres


async def test_a_partner_key_that_disagrees_with_the_wallet_or_the_merchant_is_refused(database_url):
    _, bank, merchant, payload, (payer,) = await _world()
    paid = await _pay(bank, payload, payer)
    stranger = await new_partner("stranger")
    conn = connections.get("default")
    for column in ("partner_id", "merchant_partner_id"):
        with pytest.raises(IntegrityError):
            await execute(conn, f"UPDATE payment SET {column} = $1 WHERE id = $2", [stranger.partner_id, paid.id])
    row = await Payment.get(id=paid.id)
    assert (row.partner_id, row.merchant_partner_id) == (bank.partner_id, merchant.partner_id)  # type: ignore[attr-defined]
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_the_composite_keys_replace_the_single_column_ones(database_url):
    rows = await fetch(connections.get("default"), "SELECT conname, pg_get_constraintdef(oid) AS definition"
                       " FROM pg_constraint WHERE conrelid = 'payment'::regclass AND contype = 'f'", [])
    keys = {r["conname"]: r["definition"] for r in rows}
    assert keys["payment_payer_wallet_partner_fkey"].startswith(
        "FOREIGN KEY (payer_wallet_id, partner_id) REFERENCES wallet(id, partner_id)")
    assert keys["payment_merchant_partner_fkey"].startswith(
        "FOREIGN KEY (merchant_id, merchant_partner_id) REFERENCES merchant(id, partner_id)")
    assert not {"payment_partner_id_fkey", "payment_payer_wallet_id_fkey", "payment_merchant_partner_id_fkey",
                "payment_merchant_id_fkey"} & set(keys)
    # The keys the composite ones do not cover stay.
    assert {"payment_transaction_id_fkey", "payment_payment_request_id_fkey"} <= set(keys)
