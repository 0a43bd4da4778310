"""The transaction.posted event of a posting: what a partner learns when money moves (services.event_catalogue).

Built in Python from what the posting already knows, so the backends write it
as one more row of the posting's own write (PostgreSQL: one more CTE of the
one statement; SQLite: one more INSERT in the transaction).
"""

from __future__ import annotations

import uuid
from typing import Any

from services.money import format_amount

POSTED = "transaction.posted"


def money(minor: int, currency: str) -> dict[str, str]:
    """Money as events carry it: a decimal string and the currency."""
    return {"amount": format_amount(minor, currency), "currency": currency}


def posted_payload(
    *, transaction_id: uuid.UUID | str, kind: str, currency: str, amount_minor: int, fee_minor: int,
    from_wallet_id: uuid.UUID | str | None, to_wallet_id: uuid.UUID | str | None,
    buy_amount_minor: int | None = None, buy_currency: str | None = None,
) -> dict[str, Any]:
    """transaction.posted's payload: raw ids (global IDs at the edge), Money, no personal data.

    An FX conversion adds buyAmount (what the receiving wallet got, in the buy currency); amount is what was sold.
    """
    bought = {"buyAmount": money(buy_amount_minor, buy_currency)} if buy_currency is not None and buy_amount_minor is not None else {}
    return {**bought,
        "transactionId": str(transaction_id), "kind": kind,
        "amount": money(amount_minor, currency), "fee": money(fee_minor, currency),
        "fromWalletId": str(from_wallet_id) if from_wallet_id is not None else None,
        "toWalletId": str(to_wallet_id) if to_wallet_id is not None else None,
    }
