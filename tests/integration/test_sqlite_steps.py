"""services.db.sqlite_steps: statements of one SQLite transaction in one hand-off to aiosqlite's thread.

Rows written by a step are the rows Tortoise's `create` writes; a failing step raises Tortoise's error and its
transaction keeps nothing; a posting on SQLite hands its statements over twice (reads, then writes).
"""

from __future__ import annotations

import uuid

import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

import services.ledger.sqlite as sqlite_backend
from models import DomainEvent, IdempotencyRecord, Transaction
from models.enums import TransactionKind, TransactionStatus
from services.db import sqlite_steps
from services.db.sqlite_steps import model_insert, run_steps, step
from tests.conftest import backend
from tests.integration.backend_support import funded, planned, transfer_request

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="aiosqlite's thread exists on SQLite only")


async def test_steps_run_in_order_and_report_changes_and_rows(database_url):
    f = await funded()
    async with in_transaction() as conn:
        first, insert = model_insert(conn, DomainEvent, partner_id=f.principal.partner_id, type="test.one",
                                     object_type="T", object_id="1", payload={"n": 1})
        update = step(conn, "UPDATE domain_event SET object_id = $1 WHERE type = $2", ["2", "test.one"])
        read = step(conn, "SELECT object_id, payload FROM domain_event WHERE type = $1", ["test.one"])
        steps = await run_steps(conn, [insert, update, read])
        await conn.execute_query("DELETE FROM domain_event WHERE type = ?", ["test.one"])  # no test event stays
    assert steps[1].changes == 1  # the row the first step wrote, seen by the second
    assert [r["object_id"] for r in read.rows] == ["2"]
    assert first.occurred_at is not None  # auto_now_add set on the instance, as create sets it


async def test_a_step_writes_the_row_create_writes(database_url):
    f = await funded()
    fields = dict(partner_id=f.principal.partner_id, kind=TransactionKind.TRANSFER, status=TransactionStatus.POSTED,
                  currency="CNY", amount_minor=123, fee_minor=4, fee_breakdown=[{"rule": "x", "minor": 4, "名": "费"}],
                  from_wallet_id=f.payer.wallet_id, to_wallet_id=f.payee.wallet_id, memo="m", idempotency_key="k",
                  held_legs={"a": [1, 2]}, limit_day_key="2026-12-05")
    # Both rows are written and compared inside one transaction that is then rolled back: a transaction without
    # entries must not stay in the suite's shared database, where `ledger verify` would rightly refuse it.
    with pytest.raises(_Compared):
        async with in_transaction() as conn:
            created = await Transaction.create(id=uuid.uuid4(), using_db=conn, **fields)
            stepped, insert = model_insert(conn, Transaction, id=uuid.uuid4(), **fields)
            await run_steps(conn, [insert])
            columns = [c for c in Transaction._meta.db_fields if c not in ("id", "created_at")]
            raw = await conn.execute_query_dict(
                f"SELECT {', '.join(columns)} FROM ledger_transaction WHERE id IN (?, ?) ORDER BY id = ?",
                [str(created.id), str(stepped.id), str(created.id)])
            assert len(raw) == 2 and raw[0] == raw[1]  # byte for byte the same stored values
            back = await Transaction.get(id=stepped.id, using_db=conn)
            assert back.created_at == stepped.created_at and back.fee_breakdown == created.fee_breakdown
            raise _Compared
    assert not await Transaction.filter(id__in=[created.id, stepped.id]).exists()


class _Compared(Exception):
    """Raised to roll the comparison's rows back."""


async def test_a_failing_step_raises_tortoises_error_and_nothing_stays(database_url):
    f = await funded()
    key = dict(partner_id=f.principal.partner_id, key="dup", request_hash="h", operation="transferCreate",
               transaction_id=uuid.uuid4())
    await IdempotencyRecord.create(**key)
    with pytest.raises(IntegrityError):
        async with in_transaction() as conn:
            await run_steps(conn, [
                model_insert(conn, DomainEvent, partner_id=f.principal.partner_id, type="test.kept", object_type="T",
                             object_id="1", payload={})[1],
                model_insert(conn, IdempotencyRecord, **key)[1],  # the duplicate key: the unique index refuses
                step(conn, "UPDATE domain_event SET object_id = 'never' WHERE type = 'test.kept'", []),
            ])
    assert await DomainEvent.filter(type="test.kept").count() == 0  # the first step rolled back with the rest
    with pytest.raises(OperationalError):
        async with in_transaction() as conn:
            await run_steps(conn, [step(conn, "SELECT no_such_column FROM domain_event", [])])


async def test_a_posting_hands_its_statements_over_twice(database_url, monkeypatch):
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "3.00"))
    handoffs: list[int] = []
    real = sqlite_steps.run_steps

    async def counting(conn, steps):
        handoffs.append(len(steps))
        return await real(conn, steps)

    monkeypatch.setattr(sqlite_backend, "run_steps", counting)
    record = await sqlite_backend.post_on_sqlite(f.principal, checked, plan, None)
    assert record.status == TransactionStatus.POSTED
    # Reads: the key, the wallets, their standing, the usage row (made sure, then read); writes: usage, velocity,
    # balances, the transaction, two entries, the transaction.posted event.
    assert len(handoffs) == 2 and handoffs[0] >= 4 and handoffs[1] >= 6
    assert await Transaction.filter(id=checked.transaction_id).count() == 1
