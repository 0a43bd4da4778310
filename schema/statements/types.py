"""The WalletStatement type: balances, totals by kind, and the lines as a connection."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from schema.common.context import Info
from schema.common.enums import TransactionKind
from schema.common.money import Money
from schema.common.permissions import requires
from schema.common.relay import AfterArg, Connection, FirstArg, to_global_id
from services.statements import statement as statements
from services.statements.describe import counterparty
from services.statements.lines import KindTotal, StatementLine as LineRecord
from services.statements.statement import Statement


def _wallet_ref(wallet_id: uuid.UUID) -> str:
    return str(to_global_id("Wallet", wallet_id))


@strawberry.type(description="One line of a statement: a transaction's net effect on the wallet, in posting order.")
class StatementLine:
    time: datetime = strawberry.field(description="When the transaction's entries on the wallet were posted (UTC).")
    transaction_id: strawberry.ID = strawberry.field(
        description="The transaction's global ID (read it with transaction(id:) for its entries and details)."
    )
    kind: TransactionKind = strawberry.field(description="The transaction's kind.")  # type: ignore[valid-type]
    counterparty: str = strawberry.field(
        description='Who was on the other side, in words: the kind and the other wallet, e.g. "Transfer to wallet'
        ' V2FsbGV0Oj...", or "Top-up".'
    )
    counterparty_wallet_id: strawberry.ID | None = strawberry.field(
        description="The other wallet's global ID (null when there is none, as for a top-up or withdrawal)."
    )
    memo: str | None = strawberry.field(description="The transaction's memo, if it has one.")
    amount: Money = strawberry.field(
        description="The signed change of the wallet's balance: negative when it paid, positive when it received;"
        " includes the fee it paid."
    )
    fee: Money = strawberry.field(description="The fee this wallet paid in the transaction (zero if it paid none).")
    running_balance: Money = strawberry.field(description="The wallet's ledger balance right after this line.")

    @classmethod
    def from_record(cls, line: LineRecord, currency: str) -> StatementLine:
        """The GraphQL line of a service line."""
        other = line.counterparty_wallet_id
        return cls(
            time=line.at, transaction_id=to_global_id("Transaction", line.transaction_id), kind=line.kind,
            counterparty=counterparty(line, _wallet_ref), counterparty_wallet_id=to_global_id("Wallet", other) if other else None,
            memo=line.memo, amount=Money.of(line.amount_minor, currency), fee=Money.of(line.fee_minor, currency),
            running_balance=Money.of(line.running_balance_minor, currency),
        )


@strawberry.type(description="One transaction kind's lines of a statement, summed.")
class StatementKindTotal:
    kind: TransactionKind = strawberry.field(description="The transaction kind.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many lines of this kind the period has.")
    amount: Money = strawberry.field(description="Their signed amounts summed (fees included).")
    fees: Money = strawberry.field(description="The fees the wallet paid in them.")

    @classmethod
    def from_record(cls, total: KindTotal, currency: str) -> StatementKindTotal:
        """The GraphQL total of a service total."""
        return cls(kind=total.kind, count=total.count, amount=Money.of(total.amount_minor, currency),
                   fees=Money.of(total.fee_minor, currency))


@strawberry.type(
    description="A wallet's statement for the period [from, to): openingBalance + the sum of the lines' amounts ="
    " closingBalance, the wallet's ledger balance just before `to`. Ledger balance only: the available balance"
    " (less funds held) is a point-in-time figure and not part of a statement."
)
class WalletStatement:
    _statement: strawberry.Private[Statement]
    wallet_id: strawberry.ID = strawberry.field(description="The wallet's global ID.")
    period_from: datetime = strawberry.field(name="from", description="The period's start (included), in UTC.")
    period_to: datetime = strawberry.field(name="to", description="The period's end (excluded), in UTC.")
    opening_balance: Money = strawberry.field(description="The wallet's ledger balance at `from`.")
    closing_balance: Money = strawberry.field(description="The wallet's ledger balance just before `to`.")
    total_fees: Money = strawberry.field(description="The fees the wallet paid in the period.")
    totals: list[StatementKindTotal] = strawberry.field(description="The lines summed per transaction kind.")

    @strawberry.field(permission_classes=requires("transactions:read"),
                      description="The period's lines in posting order, each with the running balance after it;"
                      " page forward with first/after (at most 100 a page).")
    async def lines(self, info: Info, first: FirstArg = None, after: AfterArg = None) -> Connection[StatementLine]:
        page = await statements.statement_lines(self._statement, first=first, after=after)
        currency = self._statement.wallet.currency
        return Connection.from_page(page, lambda line: StatementLine.from_record(line, currency))

    @classmethod
    def from_record(cls, statement: Statement) -> WalletStatement:
        """The GraphQL statement of a service statement."""
        currency = statement.wallet.currency
        return cls(
            _statement=statement, wallet_id=to_global_id("Wallet", statement.wallet.wallet_id),
            period_from=statement.period.start, period_to=statement.period.end,
            opening_balance=Money.of(statement.opening_minor, currency),
            closing_balance=Money.of(statement.closing_minor, currency),
            total_fees=Money.of(statement.total_fees_minor, currency),
            totals=[StatementKindTotal.from_record(total, currency) for total in statement.totals],
        )

