"""The rows a posting writes for the AML rules that fired: alerts and domain events, in its own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from models.ids import uuid7
from services.aml.rules import RuleHit
from services.compliance.posting_checks import ComplianceCheck


def alert_rows(check: ComplianceCheck, hits: list[RuleHit]) -> list[dict[str, Any]]:
    """One OPEN alert per rule that fired, about the subject customer and wallet."""
    return [
        {
            "id": str(uuid7()), "customer_id": str(check.subject_customer_id), "wallet_id": str(check.subject_wallet_id),
            "rule": hit.rule, "severity": hit.severity, "action": hit.action, "details": hit.details,
        }
        for hit in hits
    ]


def alert_events(alerts: list[dict[str, Any]], transaction_id: uuid.UUID, partner_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """aml.alert_raised per alert: the bank's own (services.events.INTERNAL_EVENT_TYPES), stored without a partner."""
    return [
        {
            "type": "aml.alert_raised", "object_type": "AmlAlert", "object_id": alert["id"],
            "payload": {"alertId": alert["id"], "rule": alert["rule"], "severity": alert["severity"],
                        "action": alert["action"], "transactionId": str(transaction_id), "customerId": alert["customer_id"],
                        "partnerId": str(partner_id)},
            "internal": True,
        }
        for alert in alerts
    ]


def held_event(transaction_id: uuid.UUID) -> dict[str, Any]:
    """transaction.held, for the partner: the transaction waits for review; which rule held it is not said (no tipping off)."""
    return {
        "type": "transaction.held", "object_type": "Transaction", "object_id": str(transaction_id),
        "payload": {"transactionId": str(transaction_id)}, "internal": False,
    }
