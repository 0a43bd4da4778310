"""A fee breakdown read back as lines: what was charged, as what, and by which rule.

A breakdown is the dict `decide_fee` builds (plus the partner's share) and the
ledger stores with each transaction. Today a fee comes from at most one rule,
so a breakdown has at most one line; one with no rule (nothing applied) has none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from services.fees.rules import FEE_KINDS


@dataclass(frozen=True)
class FeeLineFact:
    """One charged part of a fee."""

    kind: str  # one of FEE_KINDS: what the fee was charged as
    fee_minor: int
    rule_id: uuid.UUID | None
    free_allowance_used: bool
    partner_share_minor: int
    payer: str = "SENDER"  # who pays the line: SENDER (the payer) or RECEIVER (the merchant)


def _rule_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def fee_lines(breakdown: dict[str, Any] | None, *, fallback_kind: str | None) -> list[FeeLineFact]:
    """The lines of a stored or quoted breakdown ([] when no rule applied).

    fallback_kind names the fee kind when the breakdown does not (the transaction's own kind).
    """
    if not breakdown:
        return []
    rule_id = _rule_id(breakdown.get("rule_id"))
    if rule_id is None:
        return []
    kind = breakdown.get("fee_kind") or fallback_kind
    if kind not in FEE_KINDS:
        return []
    return [
        FeeLineFact(
            kind=kind, fee_minor=int(breakdown.get("fee_minor") or 0), rule_id=rule_id,
            free_allowance_used=bool(breakdown.get("free_allowance_used")),
            partner_share_minor=int(breakdown.get("partner_share_minor") or 0),
            payer="RECEIVER" if breakdown.get("payer") == "RECEIVER" else "SENDER",
        )
    ]
