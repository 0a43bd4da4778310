"""wallet_statement: a wallet's opening and closing balance for a period, its lines and totals, through the scope.

The statement is of the ledger balance (what was posted); the available balance (balance less funds held for
AML review or pending rail payouts) is a point-in-time figure, not a period's, and is not part of it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from models import Wallet
from services.errors import Forbidden
from services.pagination import Page, encode_cursor, page_window
from services.scoping import get_scoped
from services.statements import lines as sql
from services.statements.lines import KindTotal, StatementLine
from services.statements.period import Period, check_period

# What a caller needs to read a statement (a partner or customer token's scope, a staff role's permission).
STATEMENT_SCOPE = "transactions:read"


@dataclass(frozen=True)
class StatementWallet:
    """The wallet a statement is of, as the caller may see it."""

    wallet_id: uuid.UUID
    account_id: int
    currency: str
    customer_id: uuid.UUID
    partner_id: uuid.UUID


@dataclass(frozen=True)
class Statement:
    """A period's figures: opening + the lines' amounts = closing (the balance just before `end`)."""

    wallet: StatementWallet
    period: Period
    opening_minor: int
    closing_minor: int
    totals: list[KindTotal]
    total_fees_minor: int

    def stream(self) -> AsyncIterator[StatementLine]:
        """Every line in order, fetched a page at a time."""
        return sql.stream_lines(self.wallet.account_id, self.wallet.wallet_id, self.period, self.opening_minor)


async def statement_wallet(principal: Principal, wallet_id: uuid.UUID | None) -> StatementWallet:
    """The wallet if the caller may read its statement: FORBIDDEN without the scope, NOT_FOUND if not theirs."""
    if not principal.has_scope(STATEMENT_SCOPE):
        raise Forbidden(f"a statement needs the {STATEMENT_SCOPE} scope (or that permission of a staff role)")
    row = await get_scoped(Wallet, principal, wallet_id, what="wallet", field=["walletId"])
    return StatementWallet(wallet_id=row.id, account_id=row.account_id, currency=row.currency,  # type: ignore[attr-defined]
                           customer_id=row.customer_id, partner_id=row.partner_id)  # type: ignore[attr-defined]


async def wallet_statement(principal: Principal, wallet_id: uuid.UUID | None, start: datetime, end: datetime) -> Statement:
    """The wallet's statement for [start, end): opening, closing, totals by kind and fees (lines: statement_lines)."""
    period = check_period(start, end)  # bad input first: nothing is read for it
    wallet = await statement_wallet(principal, wallet_id)
    opening = await sql.balance_before(wallet.account_id, period.start)
    totals = await sql.totals_by_kind(wallet.account_id, wallet.wallet_id, period)
    closing = opening + sum(total.amount_minor for total in totals)
    return Statement(wallet=wallet, period=period, opening_minor=opening, closing_minor=closing, totals=totals,
                     total_fees_minor=sum(total.fee_minor for total in totals))


async def statement_lines(statement: Statement, *, first: int | None, after: str | None) -> Page[StatementLine]:
    """One page of the statement's lines in posting order (forward paging only: first/after)."""
    window = page_window(first=first, after=after)
    wallet, base, position = statement.wallet, statement.opening_minor, 0
    if window.after is not None:
        position = window.after.int  # the cursor carries the line's position (an entry id)
        base += await sql.sum_through(wallet.account_id, statement.period, position)
    found = await sql.lines_after(wallet.account_id, wallet.wallet_id, statement.period, after=position,
                                  base_minor=base, limit=window.size + 1)
    items = found[: window.size]
    return Page(items=items, cursors=[line_cursor(line) for line in items], has_next_page=len(found) > window.size,
                has_previous_page=window.after is not None)


def line_cursor(line: StatementLine) -> str:
    """The opaque cursor of a line (its position, in the API's cursor format)."""
    return encode_cursor(uuid.UUID(int=line.position))

