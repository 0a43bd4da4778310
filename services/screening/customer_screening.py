"""Screening a customer against the watchlists, inside the caller's transaction.

A hit holds the customer (screening_status HOLD: nothing moves until
compliance resolves the alert), raises one HIGH SANCTIONS_SCREENING alert
with the list's data (never the screened name), and records the domain events
"customer.held" and "aml.alert_raised" -- all with the caller's connection, so
they commit with the caller's change or not at all. After the commit, the
caller calls announce_after_hold() so every worker forgets the customer's
remembered standing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import AmlAlert, Customer
from models.enums import ScreeningStatus
from services.compliance.standing_channel import announce_standing_changed
from services.events import record_domain_event
from services.screening.matcher import MatchResult, configured_threshold
from services.screening.watchlist import current_index

RULE = "SANCTIONS_SCREENING"


async def screen_customer(
    *, customer: Customer, name: str, date_of_birth: str | None, country: str | None, using_db: BaseDBAsyncClient
) -> dict[str, Any] | None:
    """Screen one name for a customer; None when no list is loaded, else {hit, score (bps), listId, entryId}."""
    index = await current_index(using_db=using_db)
    if not len(index):
        return None
    found = index.best(name, date_of_birth=date_of_birth, country=country)
    score_bps = found.score_bps if found else 0
    hit = found is not None and score_bps >= round(configured_threshold() * 10000)
    if hit:
        await _hold(customer, found, using_db)
    # No names here: the summary is stored with KYC data and shown to partners' reviewers.
    return {
        "hit": hit, "score": score_bps,
        "listId": found.list_id if hit else None, "entryId": found.entry_id if hit else None,
    }


async def _hold(customer: Customer, found: MatchResult, conn: BaseDBAsyncClient) -> None:
    """Raise the alert and hold the customer, unless an open alert already covers this entry."""
    if customer.screening_status == ScreeningStatus.BLOCKED:
        return  # compliance already confirmed a match: nothing more to hold
    open_alerts = await AmlAlert.filter(customer_id=customer.id, rule=RULE, status="OPEN").using_db(conn).values_list(
        "details", flat=True
    )
    if any((details or {}).get("entryId") == found.entry_id for details in open_alerts):
        return  # screened again (a second KYC party, a resubmission) against the same entry: one alert is enough
    alert = await AmlAlert.create(
        partner_id=customer.partner_id, customer_id=customer.id, rule=RULE, severity="HIGH", action="HOLD",
        status="OPEN",
        details={
            "listId": found.list_id, "entryId": found.entry_id, "score": found.score_bps,
            # The list's own name for the entry is public list data; the customer's name stays out.
            "matchedName": found.matched_name, "screenedAt": datetime.now(timezone.utc).isoformat(),
        },
        using_db=conn,
    )
    await record_domain_event(
        type="aml.alert_raised", partner_id=customer.partner_id, object_type="AmlAlert", object_id=alert.id,
        payload={"alertId": str(alert.id), "rule": RULE, "severity": "HIGH", "action": "HOLD",
                 "customerId": str(customer.id)},
        using_db=conn,
    )
    if customer.screening_status != ScreeningStatus.HOLD:
        customer.screening_status = ScreeningStatus.HOLD
        await customer.save(update_fields=["screening_status"], using_db=conn)
        await record_domain_event(
            type="customer.held", partner_id=customer.partner_id, object_type="Customer", object_id=customer.id,
            # No reason and no alert: the partner learns that its customer waits for review, not why.
            payload={"customerId": str(customer.id)}, using_db=conn,
        )


async def announce_after_hold() -> None:
    """Call after the transaction that held a customer commits: every worker forgets remembered standings."""
    await announce_standing_changed()
