"""How a statement line names its counterparty, in words a customer understands."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from models.enums import TransactionKind
from services.statements.lines import StatementLine

# What each kind is called on a statement; a wallet on the other side is named after it.
_LABELS = {
    TransactionKind.TOP_UP: "Top-up",
    TransactionKind.TRANSFER: "Transfer",
    TransactionKind.WITHDRAWAL: "Withdrawal",
    TransactionKind.SWEEP: "Balance moved at wallet closing",
    TransactionKind.SANDBOX_FUND: "Sandbox funding",
    TransactionKind.PAYMENT: "Payment",
    TransactionKind.REFUND: "Refund",
    TransactionKind.REVERSAL: "Reversal by the bank",
    TransactionKind.RAIL_RETURN: "Returned by the bank rail",
    TransactionKind.FX_CONVERSION: "Currency conversion",
    TransactionKind.POINTS_FUNDING: "Points programme funding",
    TransactionKind.POINTS_RELEASE: "Points programme funding returned",
    TransactionKind.MERCHANT_SETTLEMENT: "Merchant payments settled",
}


def counterparty(line: StatementLine, wallet_ref: Callable[[uuid.UUID], str]) -> str:
    """E.g. "Transfer to wallet V2FsbGV0Oj..." or "Top-up": the kind, and the other wallet if there is one."""
    label = _LABELS.get(line.kind, line.kind.value.replace("_", " ").capitalize())
    if line.counterparty_wallet_id is None:
        return label
    direction = "to" if line.outgoing else "from"
    return f"{label} {direction} wallet {wallet_ref(line.counterparty_wallet_id)}"
