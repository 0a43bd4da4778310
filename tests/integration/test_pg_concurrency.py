"""Concurrent postings on PostgreSQL: row locks, lock order and idempotency under real contention.

Runs only with QIANBAO_TEST_DATABASE_URL=postgres://... (SQLite has no row
locks; Tortoise serialises its one connection there). Every concurrent client
is an asyncio task calling the real services; the database concurrency they
reach is bounded by the Tortoise asyncpg pool (`maxsize`, 5 by default), which
the tests measure from pg_stat_activity and report.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
import warnings
from collections import Counter

import asyncpg
import pytest
from tortoise import connections

from services.errors import DomainError, InsufficientFunds
from services.ledger.posting import post_transfer, post_withdrawal
from services.db.sql import fetch
from services.ledger.verify import verify_ledger
from services.money import format_amount, parse_amount
from tests.conftest import requires_postgres
from tests.integration.books import Books, entry_sums, open_books, partner_counts, stored_balances
from tests.untraced import untraced

pytestmark = requires_postgres

WALLETS = 50
CLIENTS = 32
TRANSFERS = 2000
READERS = 4
INITIAL_MINOR = 100_000  # 1000.00 CNY in every wallet


def outcome(result: object) -> str:
    """'ok' for a transaction, the error code for a domain refusal; anything else fails the test."""
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        raise AssertionError(f"unexpected {type(result).__name__}: {result}") from result
    return "ok"


class ConcurrencyProbe:
    """Samples pg_stat_activity on its own connection: the peak number of busy backends on the test database."""

    def __init__(self, database_url: str) -> None:
        self.dsn = database_url.replace("postgres://", "postgresql://", 1)
        self.peak = 0
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "ConcurrencyProbe":
        self._conn = await asyncpg.connect(self.dsn)
        self._task = asyncio.create_task(self._sample())
        return self

    async def _sample(self) -> None:
        while True:
            busy = await self._conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            self.peak = max(self.peak, busy)
            await asyncio.sleep(0.002)

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        await self._conn.close()


def pool_maxsize() -> int:
    return int(getattr(connections.get("default"), "pool_maxsize", 0))


def warn_if_pool_limits(clients: int, probe: ConcurrencyProbe) -> None:
    if pool_maxsize() < clients:
        warnings.warn(
            f"{clients} concurrent clients reached at most {probe.peak} busy database connections: the Tortoise "
            f"asyncpg pool allows {pool_maxsize()} (maxsize); see the pool size in api/db.py",
            stacklevel=2,
        )


async def test_random_transfers_with_concurrent_readers_conserve_money(database_url):
    books = await open_books(["CNY"] * WALLETS, fund=format_amount(INITIAL_MINOR, "CNY"))
    initial_total = WALLETS * INITIAL_MINOR
    assert sum(await stored_balances(books)) == initial_total
    counts_before = await partner_counts(books)
    done = 0
    writers_finished = asyncio.Event()
    reads: list[tuple[int, int, int, int]] = []  # (transfers done at read time, rows, total, lowest)

    async def client(n: int) -> list[object]:
        nonlocal done
        rng = random.Random(f"client-{n}")
        results = []
        for i in range(TRANSFERS // CLIENTS + (1 if n < TRANSFERS % CLIENTS else 0)):
            source, target = rng.sample(books.wallet_ids, 2)
            amount = format_amount(rng.randint(1, 3 * INITIAL_MINOR // 2), "CNY")
            try:
                results.append(await post_transfer(
                    principal=books.principal, from_wallet_id=source, to_wallet_id=target,
                    amount=amount, idempotency_key=f"c{n}-{i}",
                ))
            except Exception as error:  # noqa: BLE001 - classified below
                results.append(error)
            done += 1
        return results

    async def reader() -> None:
        conn = connections.get("default")
        while not writers_finished.is_set():
            at = done
            rows = await fetch(
                conn,
                "SELECT a.balance_minor FROM wallet w JOIN account a ON a.id = w.account_id WHERE w.partner_id = $1",
                [books.partner_id],
            )
            balances = [int(r["balance_minor"]) for r in rows]
            reads.append((at, len(balances), sum(balances), min(balances)))
            await asyncio.sleep(0)

    async def writers() -> list[list[object]]:
        try:
            return await asyncio.gather(*(client(n) for n in range(CLIENTS)))
        finally:
            writers_finished.set()

    started = time.monotonic()
    # Untraced: under coverage the spinning readers and the transfers took 70 s of the CI run (7 s alone); the
    # posting code is measured by the tests that post once.
    with untraced():
        async with ConcurrencyProbe(database_url) as probe:
            per_client, *_ = await asyncio.wait_for(asyncio.gather(writers(), *(reader() for _ in range(READERS))),
                                                    300)
    elapsed = time.monotonic() - started

    outcomes = Counter(outcome(r) for results in per_client for r in results)
    assert sum(outcomes.values()) == TRANSFERS
    assert set(outcomes) <= {"ok", "INSUFFICIENT_FUNDS"}, outcomes
    # Amounts up to 1.5x a starting balance: both outcomes are frequent (about half each).
    assert outcomes["ok"] >= TRANSFERS // 4 and outcomes["INSUFFICIENT_FUNDS"] >= TRANSFERS // 20, outcomes

    assert len(reads) >= 20 and any(0 < at < TRANSFERS for at, *_ in reads), "readers must overlap the transfers"
    assert {(rows, total) for _, rows, total, _ in reads} == {(WALLETS, initial_total)}, "a read saw money appear or vanish"
    assert min(lowest for *_, lowest in reads) >= 0

    balances = await stored_balances(books)
    assert sum(balances) == initial_total and min(balances) >= 0
    assert balances == await entry_sums(books)
    counts = await partner_counts(books)
    posted = counts_before["transactions"] + outcomes["ok"]
    assert counts == {"transactions": posted, "entries": 2 * posted, "keys": posted}
    report = await verify_ledger()
    assert report.ok, report.problems

    print(
        f"\n{TRANSFERS} transfers by {CLIENTS} clients in {elapsed:.2f}s ({outcomes['ok']} posted,"
        f" {outcomes['INSUFFICIENT_FUNDS']} refused), {len(reads)} consistent reads,"
        f" peak {probe.peak} busy connections, pool maxsize {pool_maxsize()}"
    )
    assert probe.peak >= 2, "the clients never overlapped in the database"
    warn_if_pool_limits(CLIENTS, probe)


async def test_fifty_concurrent_withdrawals_of_ten_from_one_hundred(database_url):
    books = await open_books(["CNY"], fund="100.00")
    wallet_id = books.wallet_ids[0]
    async with ConcurrencyProbe(database_url) as probe:
        results = await asyncio.wait_for(asyncio.gather(
            *(post_withdrawal(principal=books.principal, wallet_id=wallet_id, amount="10.00", idempotency_key=f"wd-{i}")
              for i in range(50)),
            return_exceptions=True,
        ), 120)
    outcomes = Counter(outcome(r) for r in results)
    assert outcomes == {"ok": 10, "INSUFFICIENT_FUNDS": 40}
    assert all(isinstance(r, InsufficientFunds) for r in results if not hasattr(r, "id"))
    assert await stored_balances(books) == [0] == await entry_sums(books)
    assert await partner_counts(books) == {"transactions": 11, "entries": 22, "keys": 11}
    assert probe.peak >= 2
    report = await verify_ledger()
    assert report.ok, report.problems


async def test_one_hundred_concurrent_requests_with_one_key_move_money_once(database_url):
    books = await open_books(["CNY", "CNY"], fund="100.00")
    source, target = books.wallet_ids
    async with ConcurrencyProbe(database_url) as probe:
        results = await asyncio.wait_for(asyncio.gather(
            *(post_transfer(principal=books.principal, from_wallet_id=source, to_wallet_id=target, amount=amount,
                            idempotency_key="same-key-100", memo="once")
              for amount in ["7.00", "7", "07.0", "7.000"] * 25),
            return_exceptions=True,
        ), 120)
    assert Counter(outcome(r) for r in results) == {"ok": 100}
    assert len({r.id for r in results}) == 1, "every request must return the one original transaction"
    rows = await fetch(
        connections.get("default"),
        "SELECT id, amount_minor FROM ledger_transaction WHERE partner_id = $1 AND idempotency_key = $2",
        [books.partner_id, "same-key-100"],
    )
    assert [(uuid.UUID(str(r["id"])), int(r["amount_minor"])) for r in rows] == [(results[0].id, 700)]
    assert await stored_balances(books) == [9300, 10700] == await entry_sums(books)
    assert await partner_counts(books) == {"transactions": 3, "entries": 6, "keys": 3}
    assert probe.peak >= 2


async def test_one_key_raced_with_two_different_inputs_moves_money_once_and_conflicts_the_rest(database_url):
    books = await open_books(["CNY", "CNY"], fund="100.00")
    source, target = books.wallet_ids
    amounts = ["3.00", "4.00"] * 25
    results = await asyncio.wait_for(asyncio.gather(
        *(post_transfer(principal=books.principal, from_wallet_id=source, to_wallet_id=target, amount=amount,
                        idempotency_key="raced-key") for amount in amounts),
        return_exceptions=True,
    ), 120)
    winners = {r.amount_minor for r in results if not isinstance(r, BaseException)}
    assert len(winners) == 1
    (won,) = winners
    for amount, result in zip(amounts, results):
        assert outcome(result) == ("ok" if parse_amount(amount, "CNY") == won else "IDEMPOTENCY_CONFLICT")
    assert await stored_balances(books) == [10000 - won, 10000 + won]
    assert await partner_counts(books) == {"transactions": 3, "entries": 6, "keys": 3}


@pytest.mark.parametrize("wallets", [2, 3], ids=["opposite-directions", "three-wallet-cycle"])
async def test_transfers_in_opposite_directions_never_deadlock(database_url, wallets):
    books = await open_books(["CNY"] * wallets, fund="100.00")
    ids = books.wallet_ids
    # Around the ring of wallets, forwards and backwards: every wallet pair is hit in both directions.
    pairs = [(ids[i % wallets], ids[(i + 1) % wallets])[:: -1 if (i // wallets) % 2 else 1] for i in range(300)]
    assert all((b, a) in pairs for a, b in pairs)
    rng = random.Random(f"deadlock-{wallets}")
    async with ConcurrencyProbe(database_url) as probe:
        results = await asyncio.wait_for(asyncio.gather(
            *(post_transfer(principal=books.principal, from_wallet_id=a, to_wallet_id=b,
                            amount=format_amount(rng.randint(1, 5_000), "CNY"), idempotency_key=f"dl-{i}")
              for i, (a, b) in enumerate(pairs)),
            return_exceptions=True,
        ), 120)
    outcomes = Counter(outcome(r) for r in results)  # a deadlock would surface here as an OperationalError
    assert set(outcomes) <= {"ok", "INSUFFICIENT_FUNDS"} and outcomes["ok"] > 0, outcomes
    balances = await stored_balances(books)
    assert sum(balances) == wallets * 10_000 and min(balances) >= 0
    assert balances == await entry_sums(books)
    assert probe.peak >= 2
    report = await verify_ledger()
    assert report.ok, report.problems
