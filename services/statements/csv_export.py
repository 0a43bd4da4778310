"""A statement as CSV: UTF-8 with a byte order mark (Excel then opens Chinese text right), streamed line by line."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable

from services.money import format_amount
from services.statements.describe import counterparty
from services.statements.statement import Statement

BOM = "\ufeff"
HEADER = ["time", "transaction_id", "kind", "counterparty", "memo", "amount", "fee", "running_balance", "currency"]


def _row(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


async def statement_csv(statement: Statement, wallet_ref: Callable[[uuid.UUID], str]) -> AsyncIterator[bytes]:
    """The statement's CSV in chunks: BOM and header, one row per line, then opening, closing and fee rows.

    Amounts are decimal strings in the wallet currency with its decimals ("-12.50"), never floats; times are UTC
    ISO 8601; wallet_ref names a wallet as the API does (its global ID).
    """
    currency = statement.wallet.currency
    yield (BOM + _row(HEADER)).encode("utf-8")
    async for line in statement.stream():
        yield _row([
            line.at.isoformat(), str(line.transaction_id), line.kind.value, counterparty(line, wallet_ref),
            line.memo or "", format_amount(line.amount_minor, currency), format_amount(line.fee_minor, currency),
            format_amount(line.running_balance_minor, currency), currency,
        ]).encode("utf-8")
    for label, minor in (("OPENING_BALANCE", statement.opening_minor), ("CLOSING_BALANCE", statement.closing_minor),
                         ("TOTAL_FEES", statement.total_fees_minor)):
        at = statement.period.start if label == "OPENING_BALANCE" else statement.period.end
        yield _row([at.isoformat(), "", label, "", "", "", "", format_amount(minor, currency), currency]).encode("utf-8")
