"""The PostgreSQL posting statement reads wallets, accounts, customers and limit usage through their indexes.

asyncpg prepares the statement once per connection and PostgreSQL soon
plans it generically, without the actual account ids: `= ANY($1)` is then
guessed at ten rows. With the wallet only joined on `account_id`, that
guess made a seq scan of every wallet (and, for the balance update, of
every account) look cheaper on a partner of a thousand wallets: measured
in bench/README.md ("Where the posting statement's CPU went"), those scans
were most of PostgreSQL's CPU per transfer. This test pads the tables to
that size inside a transaction it rolls back, forces the generic plan, posts
one transfer, and counts the seq scans the transaction made.

The second test posts on the tables as they are (a few hundred rows when the
test runs on its own): there PostgreSQL's default random_page_cost of 4
made a seq scan of account, wallet and limit_usage look cheaper than two
index probes, and the serving connections' 1.1 (api.db.serving_session_settings)
is what keeps the probes. With `SET LOCAL random_page_cost = 4` in its place
this test fails on a fresh test database (limit_usage read by 2 seq scans; the
benchmark's 50 wallets also had account and wallet scanned).
"""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from api.db import SERVING_RANDOM_PAGE_COST
from services.ledger.postgres import post_on_postgres
from tests.conftest import requires_postgres
from tests.integration.backend_support import balances, funded, planned, transfer_request

pytestmark = requires_postgres

_PADDING = 3000  # wallets (with their customer, account and usage row) the tables hold besides the test's own
_INDEXED = ("account", "wallet", "customer", "limit_usage")


class _RollBack(Exception):
    """Leave nothing of the padding or the transfer behind."""


async def _pad(conn, customer_id, account_id, wallet_id) -> None:  # type: ignore[no-untyped-def]
    """_PADDING copies of the payee's customer, account, wallet and usage row (new ids, zero balances)."""
    await conn.execute_query(
        "WITH n AS (SELECT g, gen_random_uuid() AS cid, nextval('account_id_seq') AS aid FROM generate_series(1, $4) g),"
        " cust AS (INSERT INTO customer SELECT (jsonb_populate_record(c, jsonb_build_object("
        "  'id', n.cid, 'external_ref', 'plan-pad-' || n.g))).* FROM customer c, n WHERE c.id = $1),"
        " acc AS (INSERT INTO account SELECT (jsonb_populate_record(a, jsonb_build_object("
        "  'id', n.aid, 'balance_minor', 0, 'held_minor', 0))).* FROM account a, n WHERE a.id = $2),"
        " wal AS (INSERT INTO wallet SELECT (jsonb_populate_record(w, jsonb_build_object("
        "  'id', gen_random_uuid(), 'account_id', n.aid, 'customer_id', n.cid))).* FROM wallet w, n WHERE w.id = $3),"
        " used AS (INSERT INTO limit_usage SELECT (jsonb_populate_record(u, jsonb_build_object("
        "  'id', nextval('limit_usage_id_seq'), 'customer_id', n.cid))).* FROM limit_usage u, n"
        "  WHERE u.customer_id = (SELECT customer_id FROM limit_usage ORDER BY id DESC LIMIT 1))"
        " SELECT COUNT(*) FROM n",
        [str(customer_id), account_id, str(wallet_id), _PADDING],
    )


async def test_a_transfer_under_the_generic_plan_scans_no_wallet_account_customer_or_usage_table(database_url):
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "2.50"))  # creates the usage row
    before = await balances(f.payer, f.payee)
    scans: dict[str, int] = {}
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await _pad(conn, f.payee.customer_id, f.payee.account_id, f.payee.wallet_id)
            # What a long-lived connection does after five executions: plan once, without the parameters' values.
            await conn.execute_query("SET LOCAL plan_cache_mode = force_generic_plan")
            padded = await conn.execute_query_dict("SELECT COUNT(*) AS n FROM wallet")
            scans = await _scans_of_posting(conn, f.principal, checked, plan, 250)
            raise _RollBack()
    assert padded[0]["n"] > _PADDING  # the padding was there when the transfer was planned
    assert scans == dict.fromkeys(_INDEXED, 0)
    assert await balances(f.payer, f.payee) == before  # rolled back


async def test_on_small_tables_the_serving_cost_settings_keep_the_index_probes(database_url):
    f = await funded()
    checked, plan = await planned(f.principal, transfer_request(f.payer, f.payee, "1.25"))  # creates the usage row
    before = await balances(f.payer, f.payee)
    # Statistics as autovacuum (or the benchmark's VACUUM ANALYZE) leaves them: the planner knows the tables are small.
    await connections.get("default").execute_script("ANALYZE account, wallet, customer, limit_usage")
    scans: dict[str, int] = {}
    with pytest.raises(_RollBack):
        async with in_transaction() as conn:
            await conn.execute_query(f"SET LOCAL random_page_cost = {SERVING_RANDOM_PAGE_COST}")  # as the pool sets it
            await conn.execute_query("SET LOCAL plan_cache_mode = force_generic_plan")
            scans = await _scans_of_posting(conn, f.principal, checked, plan, 125)
            raise _RollBack()
    assert scans == dict.fromkeys(_INDEXED, 0)
    assert await balances(f.payer, f.payee) == before  # rolled back


async def _scans_of_posting(conn, principal, checked, plan, amount_minor: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Post the planned transfer on `conn`; the seq scans of each indexed table it made."""
    start = await _seq_scans(conn)
    posted = await post_on_postgres(principal, checked, plan, None)
    assert posted.amount_minor == amount_minor
    after = await _seq_scans(conn)
    return {table: after[table] - start[table] for table in _INDEXED}


async def _seq_scans(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Seq scans this transaction has made so far, per table."""
    rows = await conn.execute_query_dict(
        "SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE relname = ANY($1::text[])", [list(_INDEXED)])
    found = {row["relname"]: int(row["seq_scan"]) for row in rows}
    return {table: found.get(table, 0) for table in _INDEXED}
