"""Compliance decisions on AML alerts: release or reject what an alert held, or dismiss an alert-only rule.

A HOLD alert on a transaction decides that transaction through the posting
engine (services.ledger.held): RELEASE posts it (the reserved funds leave the
payer, the entries are written), REJECT ends the reservation and gives the
sender's limits back; no money moves. A screening alert decides its customer
(services.aml.resolution): RELEASE clears the hold, REJECT blocks the
customer. Every other OPEN alert of the same transaction is closed with the
same decision. Alert, money and domain event commit together; deciding an
alert twice is INVALID_STATE.

Only compliance (aml:review) decides; the schema enforces it and
services.authority refuses any other caller outright. The decided alert is
handed back as an AlertRecord.
"""

from __future__ import annotations

import functools
import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import AmlAlert, Transaction
from services import live
from services.aml.records import AlertRecord
from services.aml.resolution import close_alerts, decide_customer, lock_open_alert, open_alerts_of_transaction
from services.authority import require_staff
from services.compliance.standing_channel import announce_standing_changed
from services.db.sql import as_uuid
from services.ledger.held import decide_held_transaction
from services.live.after_commit import announcements_after_commit
from services.payments.held_outcomes import after_held_decision, lock_before_decision, lock_claimed_rows
from services.rails.review import rail_review_decided
from services.ledger.records import TransactionRecord
from services.validation import clean_reason

REVIEW_PERMISSION = "aml:review"


async def resolve_alert(*, principal: Principal, alert_id: uuid.UUID, decision: str, reason: str | None) -> AlertRecord:
    """Decide one OPEN alert (staff with aml:review) and whatever it held; return the resolved alert."""
    require_staff(principal, REVIEW_PERMISSION)
    reason = clean_reason(reason, max_len=1000)
    standing_changed, decided_transaction = False, None
    # Live updates of postings made inside (a rejected payment's points going back) wait for the commit.
    async with announcements_after_commit(), in_transaction() as conn:
        alert = await lock_open_alert(conn, alert_id, decision)
        closing = [alert_id]
        if alert["transaction_id"] is not None and alert["action"] == "HOLD":
            transaction_id = as_uuid(alert["transaction_id"])
            # A held rail transfer released by compliance goes to its rail, which settles it later.
            if not await rail_review_decided(conn, transaction_id, decision):
                # A held refund's payment (and campaigns) first, as a refund of that payment locks them: no deadlock.
                await lock_before_decision(conn, transaction_id, decision)
                await decide_held_transaction(conn, transaction_id, decision, field="alertId",
                                              before_accounts=functools.partial(lock_claimed_rows,
                                                                                transaction_id=transaction_id,
                                                                                decision=decision))
                await after_held_decision(conn, transaction_id, decision)  # a held payment's own outcome
            closing = await open_alerts_of_transaction(conn, transaction_id)
            decided_transaction = transaction_id
        elif alert["rule"] == "SANCTIONS_SCREENING":
            await decide_customer(conn, as_uuid(alert["customer_id"]), as_uuid(alert["partner_id"]), decision, alert_id)
            standing_changed = True
        await close_alerts(conn, principal=principal, alert_id=alert_id, closing=closing, decision=decision, reason=reason)
    if standing_changed:
        await announce_standing_changed()
    if decided_transaction is not None:
        # Committed: the held transaction's wallets changed (released: money moved; rejected: reservation ended).
        await live.announce_wallets(TransactionRecord.from_row(await Transaction.get(id=decided_transaction)))
    return AlertRecord.from_row(await AmlAlert.get(id=alert_id))
