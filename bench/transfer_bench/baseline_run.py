"""The baseline run: the same ledger writes per transfer as raw SQL over asyncpg.

Each client keeps its own connection (a pool of --clients connections, one per
client, never released between transfers): the cheapest way raw asyncpg can do it.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
import uuid

import asyncpg

from models.ids import uuid7

from .cpu import cpu_delta, cpu_snapshot
from .results import RunResult, Window

SQL_IDEMPOTENCY = (
    "INSERT INTO idempotency_record (partner_id, key, request_hash, operation, transaction_id, created_at)"
    " VALUES ($1, $2, $3, 'transferCreate', $4, now())"
)
SQL_LOCK = (
    "SELECT w.id AS wallet_id, w.status, w.currency, a.id AS account_id, a.balance_minor, a.held_minor"
    " FROM wallet w JOIN account a ON a.id = w.account_id"
    " WHERE w.partner_id = $1 AND w.id IN ($2, $3) ORDER BY a.id FOR UPDATE"
)
SQL_BALANCES = (
    "UPDATE account SET balance_minor = balance_minor + CASE id WHEN $1 THEN $2::bigint WHEN $3 THEN $4::bigint"
    " ELSE 0 END WHERE id IN ($1, $3)"
)
SQL_TRANSACTION = (
    "INSERT INTO ledger_transaction (id, partner_id, kind, status, currency, amount_minor, fee_minor,"
    " from_wallet_id, to_wallet_id, memo, idempotency_key, hold_minor, created_at)"
    " VALUES ($1, $2, 'TRANSFER', 'POSTED', $3, $4, 0, $5, $6, NULL, $7, 0, now())"
)
SQL_ENTRIES = (
    "INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, currency, partner_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5, now()), ($1, $6, $7, $4, $5, now())"
)


class BaselineRefused(Exception):
    pass


async def baseline_transfer(conn: asyncpg.Connection, partner_id: uuid.UUID, source: tuple[uuid.UUID, int],
                            target: tuple[uuid.UUID, int], amount_minor: int, key: str) -> None:
    """One transfer as raw SQL: the same rows and locks as the posting engine writes."""
    transaction_id = uuid7()  # time-ordered, like the app's ids (same index behaviour)
    fingerprint = hashlib.sha256(f"{source[0]}|{target[0]}|{amount_minor}|{key}".encode()).hexdigest()
    async with conn.transaction():
        await conn.execute(SQL_IDEMPOTENCY, partner_id, key, fingerprint, transaction_id)
        rows = await conn.fetch(SQL_LOCK, partner_id, source[0], target[0])
        locked = {row["wallet_id"]: row for row in rows}
        src, dst = locked.get(source[0]), locked.get(target[0])
        if src is None or dst is None or src["status"] != "ACTIVE" or dst["status"] != "ACTIVE":
            raise BaselineRefused("wallet missing or not active")
        if src["currency"] != dst["currency"]:
            raise BaselineRefused("currency mismatch")
        if amount_minor > src["balance_minor"] - src["held_minor"]:
            raise BaselineRefused("insufficient funds")
        await conn.execute(SQL_BALANCES, src["account_id"], -amount_minor, dst["account_id"], amount_minor)
        await conn.execute(
            SQL_TRANSACTION, transaction_id, partner_id, src["currency"], amount_minor, source[0], target[0], key
        )
        await conn.execute(
            SQL_ENTRIES, transaction_id, src["account_id"], -amount_minor, src["currency"], partner_id,
            dst["account_id"], amount_minor,
        )


async def baseline_run(dsn: str, partner_id: uuid.UUID, wallets: list[tuple[uuid.UUID, int]], clients: int,
                       warmup_s: float, duration_s: float, run_tag: str, db_name: str) -> RunResult:
    result = RunResult("baseline (asyncpg)")
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    n = len(wallets)
    try:
        window = Window(warmup_s, duration_s)

        async def client(index: int) -> None:
            rnd = random.Random(f"{run_tag}-base-{index}")
            seq = 0
            async with pool.acquire() as conn:  # held for the whole run: one connection per client
                while time.perf_counter() < window.end:
                    a, b = rnd.sample(range(n), 2)
                    seq += 1
                    started = time.perf_counter()
                    error = None
                    try:
                        await baseline_transfer(conn, partner_id, wallets[a], wallets[b], rnd.randint(1, 99),
                                                f"{run_tag}-b{index}-{seq}")
                    except (asyncpg.PostgresError, BaselineRefused) as exc:
                        error = type(exc).__name__
                    result.record(started, time.perf_counter(), error, window)

        tasks = [asyncio.create_task(client(i)) for i in range(clients)]
        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        cpu_before = cpu_snapshot(None, db_name)
        await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
        cpu_after = cpu_snapshot(None, db_name)
        await asyncio.gather(*tasks)
        result.duration_s = duration_s
        result.cpu = cpu_delta(cpu_before, cpu_after)
        result.cpu.pop("server", None)
    finally:
        await pool.close()
    return result
