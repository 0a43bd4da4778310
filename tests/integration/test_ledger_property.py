"""Random sequences of top-ups, transfers, withdrawals, replays and key conflicts, run on the REAL
posting engine and database, compared step by step with the reference model.

pytest-asyncio runs each Hypothesis example on the session's event loop (its
AsyncHypothesisTest item), so Hypothesis generates, runs and shrinks against
the real services. `derandomize=True` and no example database make the run
identical every time. Each example gets a new partner, so examples never see
each other's wallets or idempotency keys.
"""

from __future__ import annotations

import uuid

from hypothesis import event, given, settings
from tortoise import connections

from services.errors import DomainError
from services.ledger.posting import post_top_up, post_transfer, post_withdrawal
from services.db.sql import fetch
from services.ledger.verify import verify_ledger
from tests.integration.books import Books, entry_sums, open_books, partner_counts, stored_balances
from tests.unit.ledger_model import WALLET_CURRENCIES, LedgerModel, Request, operations


async def send(books: Books, req: Request) -> tuple[str | None, uuid.UUID | None]:
    """Call the real service; (error code, None) on a refusal, (None, transaction id) on success."""
    wallet = lambda index: None if index is None else books.wallet_ids[index]  # noqa: E731
    try:
        if req.operation == "walletTopUp":
            txn = await post_top_up(principal=books.principal, wallet_id=wallet(req.target), amount=req.amount, idempotency_key=req.key)
        elif req.operation == "withdrawalCreate":
            txn = await post_withdrawal(principal=books.principal, wallet_id=wallet(req.source), amount=req.amount, idempotency_key=req.key)
        else:
            txn = await post_transfer(
                principal=books.principal, from_wallet_id=wallet(req.source), to_wallet_id=wallet(req.target),
                amount=req.amount, idempotency_key=req.key,
            )
    except DomainError as error:
        return error.code, None
    return None, txn.id


async def stored_state(books: Books) -> tuple[list[int], dict[str, int]]:
    """The wallets' stored balances (in wallet order) and the partner's row counts."""
    return await stored_balances(books), await partner_counts(books)


async def money_in_minus_out(books: Books) -> dict[str, int]:
    """Per currency: the partner's posted top-ups minus withdrawals, from the transaction rows."""
    rows = await fetch(
        connections.get("default"),
        "SELECT currency, SUM(CASE kind WHEN 'TOP_UP' THEN amount_minor WHEN 'WITHDRAWAL' THEN -amount_minor ELSE 0 END) AS net"
        " FROM ledger_transaction WHERE partner_id = $1 GROUP BY currency",
        [books.partner_id],
    )
    return {row["currency"]: int(row["net"]) for row in rows}


async def unbalanced(transaction_id: uuid.UUID) -> list[tuple[str, int]]:
    """The currencies in which a transaction's entries do not sum to zero, or it has fewer than two entries."""
    rows = await fetch(
        connections.get("default"),
        "SELECT currency, SUM(amount_minor) AS total, COUNT(*) AS n FROM ledger_entry WHERE transaction_id = $1"
        " GROUP BY currency",
        [transaction_id],
    )
    if sum(int(row["n"]) for row in rows) < 2:
        return [("entries", sum(int(row["n"]) for row in rows))]
    return [(row["currency"], int(row["total"])) for row in rows if int(row["total"]) != 0]


EXAMPLES_RUN = {"n": 0}  # examples run in this session (the whole ledger is verified every tenth)


@settings(derandomize=True, database=None, max_examples=100, deadline=None)
@given(ops=operations(max_size=30))
async def test_random_postings_match_the_model_conserve_money_and_never_go_negative(database_url, ops):
    books = await open_books(WALLET_CURRENCIES)
    model = LedgerModel()
    transaction_at_step: dict[int, uuid.UUID] = {}
    balances, counts = await stored_state(books)
    for step, op in enumerate(ops):
        request = model.request_for(op, step)
        if request is None:
            continue
        expected = model.apply(request, step)
        code, transaction_id = await send(books, request)

        assert code == expected.code, (step, op, request)
        event(f"{request.operation}: {code or ('replayed' if expected.replay_of is not None else 'posted')}")
        if expected.replay_of is not None:
            assert transaction_id == transaction_at_step[expected.replay_of], "a replay must return the original transaction"
        elif code is None:
            assert transaction_id not in transaction_at_step.values()
            transaction_at_step[step] = transaction_id

        previous = (balances, counts)
        balances, counts = await stored_state(books)
        assert balances == model.wallet_balances(), (step, op)
        assert min(balances) >= 0
        if code is not None or expected.replay_of is not None:
            assert (balances, counts) == previous, "a refusal or a replay must change nothing"
        posted = len(transaction_at_step)
        assert counts == {"transactions": posted, "entries": 2 * posted, "keys": posted}

        net = await money_in_minus_out(books)
        for currency in set(WALLET_CURRENCIES):
            held = sum(b for b, c in zip(balances, WALLET_CURRENCIES) if c == currency)
            assert held == net.get(currency, 0) == model.topped_up[currency] - model.withdrawn[currency]

        if transaction_id is not None and code is None and expected.replay_of is None:
            assert await unbalanced(transaction_id) == [], (step, op)

    # This example's wallets: every stored balance equals its account's entries.
    assert await entry_sums(books) == balances  # balances: read after the last step
    # The whole ledger every tenth example: verify_ledger reads every row the session wrote (late in the PostgreSQL
    # suite, 100 reads of it were 80 s of this test); each step's own transaction is checked above.
    EXAMPLES_RUN["n"] += 1
    if EXAMPLES_RUN["n"] % 10 == 1:
        report = await verify_ledger()
        assert report.ok, report.problems
