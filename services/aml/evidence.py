"""An AML alert's evidence, key by key: what each key of the stored details means and how it is shown.

The rules write their evidence as a small JSON object on the alert (services.aml.rules and .velocity,
the PostgreSQL posting path for VELOCITY, services.screening.customer_screening for watchlist hits).
EVIDENCE_KEYS names every key they write and the kind of value it holds, so the API shows typed
evidence rather than the raw object: amounts (integer minor units in the posting's currency), whole
numbers (counts, windows, days), times (ISO 8601), the screening score (stored in basis points, shown
0 to 1 like the screening threshold) and text (watchlist ids, the list's name for its entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from services.money import format_amount
from services.screening.matcher import score_from_bps

MONEY, WHOLE, TIME, SCORE, TEXT = "MONEY", "WHOLE", "TIME", "SCORE", "TEXT"


@dataclass(frozen=True)
class EvidenceKey:
    key: str  # as the rule stores it in the alert's details
    name: str  # the API's name for it (the AmlEvidenceName enum)
    kind: str  # MONEY, WHOLE, TIME, SCORE or TEXT


# Every key a rule writes, in the order the API lists them.
EVIDENCE_KEYS: tuple[EvidenceKey, ...] = (
    EvidenceKey("amountMinor", "AMOUNT", MONEY),
    EvidenceKey("inMinor", "AMOUNT_IN", MONEY),
    EvidenceKey("outMinor", "AMOUNT_OUT", MONEY),
    EvidenceKey("thresholdMinor", "THRESHOLD", MONEY),
    EvidenceKey("bandFromMinor", "BAND_FROM", MONEY),
    EvidenceKey("count", "COUNT", WHOLE),
    EvidenceKey("maxCount", "MAX_COUNT", WHOLE),
    EvidenceKey("windowMinutes", "WINDOW_MINUTES", WHOLE),
    EvidenceKey("windowHours", "WINDOW_HOURS", WHOLE),
    EvidenceKey("accountAgeDays", "ACCOUNT_AGE_DAYS", WHOLE),
    EvidenceKey("dormantDays", "DORMANT_DAYS", WHOLE),
    EvidenceKey("openedAt", "OPENED_AT", TIME),
    EvidenceKey("lastActivityAt", "LAST_ACTIVITY_AT", TIME),
    EvidenceKey("listId", "LIST_ID", TEXT),
    EvidenceKey("entryId", "ENTRY_ID", TEXT),
    EvidenceKey("matchedName", "MATCHED_NAME", TEXT),
    EvidenceKey("score", "MATCH_SCORE", SCORE),
    EvidenceKey("screenedAt", "SCREENED_AT", TIME),
)
_BY_KEY = {k.key: k for k in EVIDENCE_KEYS}


@dataclass(frozen=True)
class Evidence:
    """One thing a rule measured, typed by its kind (only the slot of its kind is set)."""

    name: str
    kind: str
    text: str  # always: the value as text (an amount as a decimal string when its currency is known)
    minor: int | None = None  # MONEY: integer minor units
    whole: int | None = None  # WHOLE
    at: datetime | None = None  # TIME, in UTC
    score: float | None = None  # SCORE: 0 to 1


def needs_currency(details: dict[str, Any]) -> bool:
    """Whether the details hold an amount (whose currency the caller must then find: the alert's transaction's)."""
    return any(key in details and found.kind == MONEY for key, found in _BY_KEY.items())


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc) if at is not None else None


def _one(found: EvidenceKey, value: Any, currency: str | None) -> Evidence | None:
    if found.kind == MONEY:
        minor = _whole(value)
        if minor is None:
            return None
        text = format_amount(minor, currency) if currency is not None else str(minor)
        return Evidence(found.name, MONEY, text, minor=minor)
    if found.kind == WHOLE:
        whole = _whole(value)
        return Evidence(found.name, WHOLE, str(whole), whole=whole) if whole is not None else None
    if found.kind == TIME:
        at = _time(value)
        return Evidence(found.name, TIME, at.isoformat(), at=at) if at is not None else None
    if found.kind == SCORE:
        bps = _whole(value)
        if bps is None:
            return None
        score = score_from_bps(bps)
        return Evidence(found.name, SCORE, f"{score:.4f}", score=score)
    if value is None or isinstance(value, (dict, list)):
        return None
    return Evidence(found.name, TEXT, str(value))


def evidence(details: dict[str, Any], currency: str | None) -> list[Evidence]:
    """The details as typed evidence, in EVIDENCE_KEYS order; amounts in `currency` (None: left in minor units).

    A key no rule writes, or a value not of its key's kind, is left out (stored details are never rewritten).
    """
    found = (_one(key, details[key.key], currency) for key in EVIDENCE_KEYS if key.key in details)
    return [item for item in found if item is not None]
