"""bench.in_process.lift_velocity: the in-process benches' CN pack gets VELOCITY at 10,000 a minute and keeps every
other rule, so bench/coupon_payments.py and bench/merchant_concurrency.py measure postings, not the AML alert path.
Run in a transaction that is rolled back: the session's other tests keep the shipped pack."""

from __future__ import annotations

import json

import pytest
from tortoise.transactions import in_transaction

from bench.in_process import lift_velocity
from services.db.sql import fetch
from tests.conftest import requires_postgres

pytestmark = requires_postgres  # the benches, and this jsonb UPDATE, are PostgreSQL's


class _RolledBack(Exception):
    pass


async def _cn_rules(conn) -> dict:
    rows = await fetch(conn, "SELECT aml_rules FROM compliance_policy WHERE jurisdiction = 'CN'", [])
    assert len(rows) == 1, "the shipped CN pack is there"
    rules = rows[0]["aml_rules"]
    return json.loads(rules) if isinstance(rules, str) else rules


async def test_velocity_is_lifted_and_nothing_else_changes(database_url):
    async with in_transaction() as conn:
        shipped = await _cn_rules(conn)
    assert shipped["VELOCITY"]["maxCount"] != 10_000
    with pytest.raises(_RolledBack):
        async with in_transaction() as conn:
            await lift_velocity()  # on the transaction's connection: the default connection inside it
            lifted = await _cn_rules(conn)
            raise _RolledBack
    assert lifted["VELOCITY"] == {**shipped["VELOCITY"], "maxCount": 10_000, "windowMinutes": 1}
    assert {k: v for k, v in lifted.items() if k != "VELOCITY"} == {k: v for k, v in shipped.items() if k != "VELOCITY"}
    async with in_transaction() as conn:
        assert await _cn_rules(conn) == shipped
