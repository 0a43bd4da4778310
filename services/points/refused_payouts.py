"""A points payout refused because the AML rules would hold it keeps its alerts: written again after the rollback.

Why: a payout the funding wallet makes (pointsRedeem, or a payment's points never funded into the reserve) is
refused with COMPLIANCE_HOLD when the rules hold it (services.points.redeeming.refuse_held_payout), and the
refusal rolls the posting back, its alerts with it: compliance never learnt that its rules caught the programme's
funding wallet. The alerts the held posting wrote are read inside its transaction, before the rollback, carried by
the error, and written again after it: OPEN, action ALERT (nothing is held: nothing moved), no transaction, the
details naming the refused payout. One per wallet and rule while one is open, so a customer who retries does not
fill the queue.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import AmlAlert
from models.enums import TransactionStatus
from services.db.sql import as_uuid, fetch
from services.errors import ComplianceHold
from services.events import record_domain_event
from services.ledger.records import TransactionRecord

REFUSED_PAYOUT = "refusedPointsPayout"  # the details key that marks an alert of a refused payout


async def refuse_held_payout(conn: BaseDBAsyncClient, txn: TransactionRecord) -> None:
    """COMPLIANCE_HOLD, rolling the caller's transaction back, when the AML rules held the funding wallet's payout;
    the error carries the alerts the held posting wrote (`keep_refused_alerts` writes them again after the rollback).

    The points claim and the redemption's rows are written with the posting even when it is held, and nothing gives
    the points back if compliance then rejects it: so a redemption waits for no review. Nothing is spent, nothing
    moves; the customer may redeem once the funding wallet is no longer caught by the rule."""
    if txn.status is not TransactionStatus.HELD:
        return
    alerts = await fetch(conn, "SELECT partner_id, customer_id, wallet_id, rule, severity, details FROM aml_alert"
                               " WHERE transaction_id = $1 ORDER BY id", [txn.id])
    refused = ComplianceHold("the programme's funding wallet is under compliance review: its points cannot be paid"
                             " out now", field=["pointsProgramId"])
    refused.refused_alerts = [{**row, "amount_minor": txn.amount_minor, "currency": txn.currency}  # type: ignore[attr-defined]
                              for row in alerts]
    raise refused


async def keep_refused_alerts(error: BaseException) -> int:
    """After a refused payout's rollback: its alerts written again (none already open for the wallet and rule); how
    many were written. Any other error: nothing."""
    alerts: list[dict[str, Any]] = getattr(error, "refused_alerts", None) or []
    if not alerts:
        return 0
    written = 0
    async with in_transaction() as conn:
        for alert in alerts:
            details = alert["details"]
            details = json.loads(details) if isinstance(details, str) else dict(details or {})
            wallet_id = as_uuid(alert["wallet_id"]) if alert["wallet_id"] is not None else None
            if await AmlAlert.filter(wallet_id=wallet_id, rule=alert["rule"], status="OPEN", action="ALERT",
                                     transaction_id=None).using_db(conn).exists():
                continue  # already in the queue: one is enough while it is open
            details[REFUSED_PAYOUT] = {"amountMinor": alert["amount_minor"], "currency": alert["currency"]}
            row = await AmlAlert.create(
                partner_id=as_uuid(alert["partner_id"]), customer_id=as_uuid(alert["customer_id"]), wallet_id=wallet_id,
                transaction_id=None, rule=alert["rule"], severity=alert["severity"], action="ALERT", status="OPEN",
                details=details, using_db=conn)
            await record_domain_event(
                type="aml.alert_raised", partner_id=None, object_type="AmlAlert", object_id=row.id,
                payload={"alertId": str(row.id), "rule": row.rule, "severity": row.severity, "action": "ALERT",
                         "customerId": str(alert["customer_id"]), "partnerId": str(alert["partner_id"])},
                using_db=conn)
            written += 1
    return written
