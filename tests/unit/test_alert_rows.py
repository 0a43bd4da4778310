"""services.compliance.alert_rows: the alert rows and events a posting writes for the rules that fired."""

from __future__ import annotations

import uuid

from services.aml.rules import RuleHit
from services.compliance.alert_rows import alert_events, alert_rows, held_event
from services.compliance.posting_checks import ComplianceCheck

CUSTOMER = uuid.UUID("01890000-0000-7000-8000-0000000000c1")
WALLET = uuid.UUID("01890000-0000-7000-8000-0000000000a1")
PARTNER = uuid.UUID("01890000-0000-7000-8000-0000000000b1")
TXN = uuid.UUID("01890000-0000-7000-8000-0000000000d1")

CHECK = ComplianceCheck(sender_customer_id=CUSTOMER, outgoing=None, max_balance={}, expected_tier={},
                        subject_customer_id=CUSTOMER, subject_wallet_id=WALLET)
HITS = [
    RuleHit("LARGE_TRANSACTION", "HIGH", "HOLD", {"amountMinor": 1_000_000, "thresholdMinor": 1_000_000}),
    RuleHit("DORMANT_REACTIVATION", "LOW", "ALERT", {"dormantDays": 180}),
]


def test_one_alert_row_per_hit_about_the_subject():
    rows = alert_rows(CHECK, HITS)
    assert [{k: v for k, v in row.items() if k != "id"} for row in rows] == [
        {"customer_id": str(CUSTOMER), "wallet_id": str(WALLET), "rule": "LARGE_TRANSACTION", "severity": "HIGH",
         "action": "HOLD", "details": {"amountMinor": 1_000_000, "thresholdMinor": 1_000_000}},
        {"customer_id": str(CUSTOMER), "wallet_id": str(WALLET), "rule": "DORMANT_REACTIVATION", "severity": "LOW",
         "action": "ALERT", "details": {"dormantDays": 180}},
    ]
    ids = [uuid.UUID(row["id"]) for row in rows]
    assert len(set(ids)) == 2 and all(i.version == 7 for i in ids)


def test_no_hits_no_rows():
    assert alert_rows(CHECK, []) == []
    assert alert_events([], TXN, PARTNER) == []


def test_each_alert_raises_an_internal_event_naming_the_partner_in_its_payload():
    rows = alert_rows(CHECK, HITS)
    events = alert_events(rows, TXN, PARTNER)
    assert [e["internal"] for e in events] == [True, True]
    assert events[0] == {
        "type": "aml.alert_raised", "object_type": "AmlAlert", "object_id": rows[0]["id"],
        "payload": {"alertId": rows[0]["id"], "rule": "LARGE_TRANSACTION", "severity": "HIGH", "action": "HOLD",
                    "transactionId": str(TXN), "customerId": str(CUSTOMER), "partnerId": str(PARTNER)},
        "internal": True,
    }
    assert events[1]["payload"]["rule"] == "DORMANT_REACTIVATION"


def test_the_held_event_is_for_the_partner_and_does_not_name_the_rule():
    event = held_event(TXN)
    assert event == {"type": "transaction.held", "object_type": "Transaction", "object_id": str(TXN),
                     "payload": {"transactionId": str(TXN)}, "internal": False}
