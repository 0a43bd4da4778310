"""The alert side of compliance decisions: which decisions fit an alert, locking it, closing it, deciding a customer.

services.alert_decisions puts these together with the money side
(services.ledger.held) in one database transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import Principal
from models.enums import ScreeningStatus
from services.errors import CaseStateConflict, NotFound, ValidationFailed
from services.events import record_domain_event
from services.db.sql import as_uuid, execute, fetch, is_postgres

DECISIONS = ("RELEASE", "REJECT", "DISMISS")
_STATUS_OF = {"RELEASE": "RELEASED", "REJECT": "REJECTED", "DISMISS": "DISMISSED"}


def _check_decision(alert: dict[str, Any], decision: str) -> None:
    if decision not in DECISIONS:
        raise ValidationFailed(f"decision is one of {', '.join(DECISIONS)}", field=["decision"])
    if alert["action"] == "HOLD" and decision == "DISMISS":
        raise ValidationFailed("a HOLD alert is decided: RELEASE or REJECT what it held", field=["decision"])
    if alert["action"] != "HOLD" and decision != "DISMISS":
        raise ValidationFailed("an alert-only rule held nothing: DISMISS it", field=["decision"])


async def lock_open_alert(conn: BaseDBAsyncClient, alert_id: uuid.UUID, decision: str) -> dict[str, Any]:
    """Lock an OPEN alert (its transaction first) and check that the decision fits it."""
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    if lock:
        # Lock order: the alert's transaction before any of its alerts. A
        # decision closes every OPEN alert of the transaction, so two
        # decisions through two of its alerts, each holding its own alert
        # first, would deadlock; this way the second waits, then finds its
        # alert closed (INVALID_STATE).
        await fetch(
            conn, "SELECT t.id FROM ledger_transaction t JOIN aml_alert a ON a.transaction_id = t.id"
            " WHERE a.id = $1 FOR NO KEY UPDATE OF t", [alert_id],
        )
    rows = await fetch(conn, f"SELECT * FROM aml_alert WHERE id = $1{lock}", [alert_id])
    if not rows:
        raise NotFound("alert not found", field=["alertId"])
    alert = rows[0]
    if alert["status"] != "OPEN":
        raise CaseStateConflict(f"the alert is already {str(alert['status']).lower()}", field=["alertId"])
    _check_decision(alert, decision)
    return alert


async def open_alerts_of_transaction(conn: BaseDBAsyncClient, transaction_id: uuid.UUID) -> list[uuid.UUID]:
    """Every OPEN alert of a transaction (closed together with the one decided)."""
    rows = await fetch(conn, "SELECT id FROM aml_alert WHERE transaction_id = $1 AND status = 'OPEN'", [transaction_id])
    return [as_uuid(r["id"]) for r in rows]


async def close_alerts(
    conn: BaseDBAsyncClient, *, principal: Principal, alert_id: uuid.UUID, closing: list[uuid.UUID], decision: str, reason: str
) -> None:
    """Close the decided alert and the others it decided, each with the decision and the reason."""
    status, now = _STATUS_OF[decision], datetime.now(timezone.utc)
    for closed in closing:
        note = reason if closed == alert_id else f"resolved with alert {alert_id}: {reason}"[:1000]
        await execute(
            conn,
            "UPDATE aml_alert SET status = $1, resolved_by = $2, resolution_reason = $3, resolved_at = $4"
            " WHERE id = $5 AND status = 'OPEN'",
            [status, principal.subject[:64], note, now, closed],
        )


async def decide_customer(conn: BaseDBAsyncClient, customer_id: uuid.UUID, partner_id: uuid.UUID, decision: str, alert_id: uuid.UUID) -> None:
    """A screening hit confirmed blocks the customer; a false positive clears the hold once no other hit is open.

    A BLOCKED customer stays blocked: releasing one alert never undoes a
    match confirmed through another.
    """
    lock = " FOR UPDATE" if is_postgres(conn) else ""
    current = (await fetch(conn, f"SELECT screening_status FROM customer WHERE id = $1{lock}", [customer_id]))[0]["screening_status"]
    if decision == "RELEASE":
        others = await fetch(
            conn, "SELECT COUNT(*) AS n FROM aml_alert WHERE customer_id = $1 AND rule = 'SANCTIONS_SCREENING'"
            " AND status = 'OPEN' AND id <> $2", [customer_id, alert_id],
        )
        if current == ScreeningStatus.BLOCKED.value or int(others[0]["n"]) > 0:
            return  # the alert closes; the customer's standing does not change
        status = ScreeningStatus.CLEAR
    else:
        status = ScreeningStatus.BLOCKED
    await execute(conn, "UPDATE customer SET screening_status = $1 WHERE id = $2", [status.value, customer_id])
    await record_domain_event(
        type="customer.released" if decision == "RELEASE" else "customer.blocked", partner_id=partner_id,
        object_type="Customer", object_id=customer_id, payload={"customerId": str(customer_id)},
        using_db=conn,
    )
