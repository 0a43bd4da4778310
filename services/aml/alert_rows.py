"""The rows a posting writes for the AML rules that fired: alerts and domain events, in its own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from models.ids import uuid7
from services.compliance.posting_checks import ComplianceCheck


def alert_rows(check: ComplianceCheck) -> list[dict[str, Any]]:
    """One OPEN alert per rule that fired, about the subject customer and wallet."""
    return [
        {
            "id": str(uuid7()), "customer_id": str(check.subject_customer_id), "wallet_id": str(check.subject_wallet_id),
            "rule": hit.rule, "severity": hit.severity, "action": hit.action, "details": hit.details,
        }
        for hit in check.hits
    ]


def event_rows(
    check: ComplianceCheck, alerts: list[dict[str, Any]], transaction_id: uuid.UUID, partner_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    """transaction.held when the posting waits for compliance, and aml.alert_raised per alert."""
    events = []
    if check.hold:
        # For the partner: the transaction waits for review. Which rule held it is not said (no tipping off).
        events.append({
            "type": "transaction.held", "object_type": "Transaction", "object_id": str(transaction_id),
            "payload": {"transactionId": str(transaction_id)}, "internal": False,
        })
    for alert in alerts:
        # The bank's own: services.events.INTERNAL_EVENT_TYPES (stored without a partner).
        events.append({
            "type": "aml.alert_raised", "object_type": "AmlAlert", "object_id": alert["id"],
            "payload": {"alertId": alert["id"], "rule": alert["rule"], "severity": alert["severity"],
                        "action": alert["action"], "transactionId": str(transaction_id), "customerId": alert["customer_id"],
                        "partnerId": str(partner_id)},
            "internal": True,
        })
    return events
