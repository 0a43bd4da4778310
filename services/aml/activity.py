"""The recent activity of one wallet that the AML rules look at, in one query."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections

from services.history_reads import note_history_read
from services.aml.rules import Activity, Posting, structuring_floor
from services.caches import LAST_ACTIVE
from services.db.sql import as_datetime, fetch

# Rules that need the wallet's history. LARGE_TRANSACTION needs none, and
# VELOCITY is counted on the sender's locked usage row (services.aml.velocity).
HISTORY_RULES = frozenset({"STRUCTURING", "RAPID_PASS_THROUGH", "NEW_ACCOUNT_HIGH_VALUE", "DORMANT_REACTIVATION"})


def history_needed(aml_rules: dict[str, dict[str, Any]], posting: Posting, threshold: int | None) -> set[str]:
    """The history rules that could fire for this posting, judged from what is known without a query.

    Most rules need a large amount before the history matters, so an ordinary
    small transfer reads only what DORMANT_REACTIVATION needs (and usually
    not even that: see note_activity).
    """
    needed = set()
    for rule in HISTORY_RULES:
        setting = aml_rules.get(rule)
        if not setting or not setting.get("enabled", True):
            continue
        if rule == "DORMANT_REACTIVATION":
            needed.add(rule)
        elif threshold is not None and posting.outgoing:
            amount = posting.amount_minor
            if rule == "STRUCTURING" and structuring_floor(threshold, setting["bandBps"]) <= amount < threshold:
                needed.add(rule)
            elif rule in ("RAPID_PASS_THROUGH", "NEW_ACCOUNT_HIGH_VALUE") and amount >= threshold * setting["amountBps"] // 10_000:
                needed.add(rule)
    return needed


# When each wallet was last seen active by this process (LAST_ACTIVE). Activity only ever
# grows, so "active at T" stays true: a wallet seen active within the dormancy
# window needs no query to know it is not dormant.


def note_activity(wallet_ids: list[uuid.UUID], at: datetime) -> None:
    """Remember that these wallets moved money at `at` (after a posting commits)."""
    for wallet_id in wallet_ids:
        LAST_ACTIVE.put(wallet_id, at)


def forget_activity(wallet_ids: list[uuid.UUID]) -> None:
    """Forget what was noted of these wallets (postings rolled back after noting): their next posting reads the history."""
    for wallet_id in wallet_ids:
        LAST_ACTIVE.discard(wallet_id)


async def read_activity(
    wallet_id: uuid.UUID, aml_rules: dict[str, dict[str, Any]], posting: Posting, threshold: int | None
) -> Activity:
    """Counts and sums over the wallet's recent transactions, only for the rules that could fire."""
    at = posting.at
    needed = history_needed(aml_rules, posting, threshold)
    dormant = aml_rules.get("DORMANT_REACTIVATION") or {}
    seen = LAST_ACTIVE.get(wallet_id)
    if "DORMANT_REACTIVATION" in needed and seen is not None and at - seen < timedelta(days=dormant["dormantDays"]):
        needed.discard("DORMANT_REACTIVATION")
    if not needed:
        return Activity(opened_at=at, last_activity_at=seen or at)
    note_history_read("aml activity")  # the wallet's recent transactions: a group must not plan on them stale

    def window(rule: str, key: str, unit: str) -> datetime:
        return at - timedelta(**{unit: (aml_rules.get(rule) or {}).get(key, 0)})

    band_low, band_high = -1, -1  # an empty band when there is no threshold
    structuring = aml_rules.get("STRUCTURING")
    if structuring and threshold is not None:
        band_low, band_high = structuring_floor(threshold, structuring["bandBps"]), threshold
    parts = ["w.created_at AS opened_at"]
    if "DORMANT_REACTIVATION" in needed:
        parts += [
            "(SELECT MAX(created_at) FROM ledger_transaction WHERE from_wallet_id = $1) AS last_out",
            "(SELECT MAX(created_at) FROM ledger_transaction WHERE to_wallet_id = $1) AS last_in",
        ]
    # Only the parameters the chosen parts use are sent: PostgreSQL refuses a
    # statement given more arguments than it references.
    values: list[Any] = [wallet_id]

    def param(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    if "STRUCTURING" in needed:
        since, low, high = param(window("STRUCTURING", "windowHours", "hours")), param(band_low), param(band_high)
        parts.append(f"(SELECT COUNT(*) FROM ledger_transaction WHERE from_wallet_id = $1 AND created_at >= {since}"
                     f" AND amount_minor >= {low} AND amount_minor < {high} AND status <> 'REJECTED') AS near_threshold")
    if "RAPID_PASS_THROUGH" in needed:
        since = param(window("RAPID_PASS_THROUGH", "windowMinutes", "minutes"))
        parts.append("(SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_transaction WHERE to_wallet_id = $1"
                     f" AND created_at >= {since} AND kind = 'TRANSFER' AND status = 'POSTED') AS recent_in")
    rows = await fetch(connections.get("default"), f"SELECT {', '.join(parts)} FROM wallet w WHERE w.id = $1", values)
    row = rows[0]
    lasts = [d for d in (as_datetime(row.get("last_out")), as_datetime(row.get("last_in")), seen) if d is not None]
    if "DORMANT_REACTIVATION" not in needed:
        lasts.append(at)  # not asked: known (or irrelevant) not to be dormant
    return Activity(
        opened_at=as_datetime(row["opened_at"]) or at,
        last_activity_at=max(lasts) if lasts else None,
        near_threshold_count=int(row.get("near_threshold") or 0),
        recent_in_minor=int(row.get("recent_in") or 0),
    )
