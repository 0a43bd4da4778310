"""The statement's SQL: opening balance, pages of lines with a running balance, totals by kind (SQLite and PostgreSQL).

A line is one transaction that touched the wallet's ledger account in the period: the wallet's entries of that
transaction summed (principal and the fee it paid), so a transfer with a fee is one line, not two. Lines are in
posting order (the first entry id on the account): postings to one wallet account are serialised by its row lock,
so that is the order its balance really moved in. The running balance is a window function over that order.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from models.enums import TransactionKind
from services.db.sql import as_datetime, as_uuid, fetch
from services.statements.period import Period

# How many lines one query fetches when a whole statement is streamed (CSV, PDF).
STREAM_PAGE = 500

# $1 account id, $2 from, $3 to. The period is set by the entries' own time (created_at), the same instant the
# balance changed; the wallet's entries of one transaction are written together.
_PER_TX = (
    "WITH per_tx AS (SELECT e.transaction_id AS tid, MIN(e.id) AS first_id, MIN(e.created_at) AS at,"
    " SUM(e.amount_minor) AS amount FROM ledger_entry e"
    " WHERE e.account_id = $1 AND e.created_at >= $2 AND e.created_at < $3 GROUP BY e.transaction_id)"
)
# The fee this wallet paid: a transaction's payer fee is charged to its paying wallet (or, with no paying wallet,
# to the wallet it credits: a top-up's fee). $4 is the wallet id.
_WALLET_FEE = (
    "CASE WHEN t.from_wallet_id = $4 OR (t.from_wallet_id IS NULL AND t.to_wallet_id = $4) THEN t.fee_minor ELSE 0 END"
)


@dataclass(frozen=True)
class StatementLine:
    """One line: a transaction's net effect on the wallet and the balance right after it."""

    position: int  # the first entry id on the account: the line's place in the order (and its cursor)
    at: datetime
    transaction_id: uuid.UUID
    kind: TransactionKind
    memo: str | None
    amount_minor: int  # signed: what the wallet gained (positive) or lost (negative), its fee included
    fee_minor: int  # the fee this wallet paid in it (0 when another wallet paid it)
    running_balance_minor: int
    counterparty_wallet_id: uuid.UUID | None  # the other wallet of the transaction, if any
    outgoing: bool  # the wallet paid (from_wallet)


@dataclass(frozen=True)
class KindTotal:
    """One transaction kind's lines summed."""

    kind: TransactionKind
    count: int
    amount_minor: int
    fee_minor: int


def _conn() -> Any:
    return connections.get("default")


def _int(value: Any) -> int:
    return int(value or 0)  # PostgreSQL sums bigints as numeric


async def balance_before(account_id: int, moment: datetime) -> int:
    """The account's balance just before `moment`: the sum of its entries written earlier."""
    rows = await fetch(_conn(), "SELECT COALESCE(SUM(amount_minor), 0) AS total FROM ledger_entry"
                                " WHERE account_id = $1 AND created_at < $2", [account_id, moment])
    return _int(rows[0]["total"])


async def sum_through(account_id: int, period: Period, position: int) -> int:
    """What the lines of the period up to and including the one at `position` add up to."""
    rows = await fetch(_conn(), _PER_TX + " SELECT COALESCE(SUM(amount), 0) AS total FROM per_tx WHERE first_id <= $4",
                       [account_id, period.start, period.end, position])
    return _int(rows[0]["total"])


async def lines_after(
    account_id: int, wallet_id: uuid.UUID, period: Period, *, after: int, base_minor: int, limit: int
) -> list[StatementLine]:
    """At most `limit` lines after position `after`, each with its running balance counted from base_minor."""
    sql = (
        _PER_TX + " SELECT p.tid, p.first_id, p.at, p.amount, t.kind, t.memo, t.from_wallet_id, t.to_wallet_id,"
        f" {_WALLET_FEE} AS fee,"
        " SUM(p.amount) OVER (ORDER BY p.first_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running"
        " FROM per_tx p JOIN ledger_transaction t ON t.id = p.tid"
        " WHERE p.first_id > $5 ORDER BY p.first_id LIMIT $6"
    )
    rows = await fetch(_conn(), sql, [account_id, period.start, period.end, wallet_id, after, limit])
    return [_line(row, wallet_id, base_minor) for row in rows]


def _line(row: dict[str, Any], wallet_id: uuid.UUID, base_minor: int) -> StatementLine:
    source = as_uuid(row["from_wallet_id"]) if row["from_wallet_id"] is not None else None
    target = as_uuid(row["to_wallet_id"]) if row["to_wallet_id"] is not None else None
    outgoing = source == wallet_id
    other = target if outgoing else source
    at = as_datetime(row["at"])
    assert at is not None
    return StatementLine(
        position=int(row["first_id"]), at=at, transaction_id=as_uuid(row["tid"]), kind=TransactionKind(row["kind"]),
        memo=row["memo"], amount_minor=_int(row["amount"]), fee_minor=_int(row["fee"]),
        running_balance_minor=base_minor + _int(row["running"]),
        counterparty_wallet_id=other if other != wallet_id else None, outgoing=outgoing,
    )


async def stream_lines(account_id: int, wallet_id: uuid.UUID, period: Period, opening_minor: int,
                       page: int = STREAM_PAGE) -> AsyncIterator[StatementLine]:
    """Every line of the period in order, fetched `page` at a time (a long period never sits in memory at once)."""
    after, base = 0, opening_minor
    while True:
        batch = await lines_after(account_id, wallet_id, period, after=after, base_minor=base, limit=page)
        for line in batch:
            yield line
        if len(batch) < page:
            return
        after, base = batch[-1].position, batch[-1].running_balance_minor


async def totals_by_kind(account_id: int, wallet_id: uuid.UUID, period: Period) -> list[KindTotal]:
    """Each transaction kind's number of lines, net amount and fees paid, in the period (by kind name)."""
    sql = (
        _PER_TX + f" SELECT t.kind AS kind, COUNT(*) AS n, SUM(p.amount) AS amount, SUM({_WALLET_FEE}) AS fees"
        " FROM per_tx p JOIN ledger_transaction t ON t.id = p.tid GROUP BY t.kind ORDER BY t.kind"
    )
    rows = await fetch(_conn(), sql, [account_id, period.start, period.end, wallet_id])
    return [KindTotal(kind=TransactionKind(r["kind"]), count=_int(r["n"]), amount_minor=_int(r["amount"]),
                      fee_minor=_int(r["fees"])) for r in rows]
