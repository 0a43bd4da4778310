"""services.aml.report: a case's suspicious activity report, as JSON and as CSV, without KYC personal data."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from models import Customer
from services.aml.cases import add_case_note, open_case
from services.aml.report import CSV_COLUMNS, suspicious_activity_report
from services.customer_pii import seal_contact
from services.errors import NotFound, ValidationFailed
from tests.integration.aml_support import OFFICER, held_transfer


async def case_with_a_held_transfer(title: str = "Large transfer"):
    scene, payer, payee, txn, alert = await held_transfer()
    case = await open_case(principal=OFFICER, alert_ids=[alert["id"]], title=title)
    await add_case_note(principal=OFFICER, case_id=case.id, text="asked the partner for the source of funds")
    return scene, payer, payee, txn, alert, case


async def test_the_json_report_names_case_customer_alerts_transactions_and_notes(database_url):
    scene, payer, payee, txn, alert, case = await case_with_a_held_transfer()
    document = json.loads(await suspicious_activity_report(case_id=case.id, format="JSON"))
    assert sorted(document) == ["alerts", "case", "customer", "notes", "transactions"]
    assert {k: document["case"][k] for k in ("id", "title", "status", "partnerId", "openedBy", "assigneeId", "closedAt")} == {
        "id": str(case.id), "title": "Large transfer", "status": "OPEN", "partnerId": str(scene.partner_id),
        "openedBy": OFFICER.subject, "assigneeId": None, "closedAt": None,
    }
    assert document["case"]["createdAt"].endswith("Z")
    assert document["customer"] == {"id": str(payer.customer_id), "kind": "INDIVIDUAL", "country": "FO", "displayName": "Party 1"}
    [reported] = document["alerts"]
    assert {k: reported[k] for k in ("id", "rule", "severity", "action", "status", "walletId", "transactionId", "resolvedAt")} == {
        "id": str(alert["id"]), "rule": "LARGE_TRANSACTION", "severity": "HIGH", "action": "HOLD", "status": "OPEN",
        "walletId": str(payer.wallet_id), "transactionId": str(txn.id), "resolvedAt": None,
    }
    assert document["transactions"] == [{
        "id": str(txn.id), "kind": "TRANSFER", "status": "HELD", "amount": "10000.00", "fee": "1.50", "currency": "EUR",
        "fromWalletId": str(payer.wallet_id), "toWalletId": str(payee.wallet_id), "createdAt": document["transactions"][0]["createdAt"],
    }]
    assert [n["text"] for n in document["notes"]] == ["asked the partner for the source of funds"]
    assert [n["authorId"] for n in document["notes"]] == [OFFICER.subject]


async def test_the_report_is_the_same_bytes_every_time(database_url):
    *_, case = await case_with_a_held_transfer()
    for format in ("JSON", "CSV"):
        assert await suspicious_activity_report(case_id=case.id, format=format) == await suspicious_activity_report(
            case_id=case.id, format=format)


async def test_the_report_carries_no_kyc_personal_data(database_url):
    _, payer, *_, case = await case_with_a_held_transfer()
    sealed = await seal_contact(payer.customer_id, {"email": "hidden.person@example.com", "phone": "+8613800138000"})
    await Customer.filter(id=payer.customer_id).update(**sealed)
    for format in ("JSON", "CSV"):
        report = await suspicious_activity_report(case_id=case.id, format=format)
        assert "hidden.person" not in report and "13800138000" not in report


async def test_the_csv_report_has_one_row_per_alert_and_defuses_formulas(database_url):
    scene, payer, payee, txn, alert, case = await case_with_a_held_transfer(title="=HYPERLINK(\"http://x\")")
    text = await suspicious_activity_report(case_id=case.id, format="CSV")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 2
    row = dict(zip(CSV_COLUMNS, rows[1]))
    assert row["case_title"] == "'=HYPERLINK(\"http://x\")"
    assert (row["case_id"], row["customer_id"], row["alert_id"], row["transaction_id"]) == (
        str(case.id), str(payer.customer_id), str(alert["id"]), str(txn.id))
    assert (row["transaction_amount"], row["transaction_fee"], row["transaction_currency"]) == ("10000.00", "1.50", "EUR")
    assert json.loads(row["alert_details"]) == {"amountMinor": 1_000_000, "thresholdMinor": 1_000_000}
    assert row["alert_resolved_at"] == ""


async def test_an_unknown_format_or_case_is_refused(database_url):
    *_, case = await case_with_a_held_transfer()
    with pytest.raises(ValidationFailed) as caught:
        await suspicious_activity_report(case_id=case.id, format="XML")
    assert caught.value.field == ["format"]
    for missing in (None, uuid.uuid4()):
        with pytest.raises(NotFound) as caught:
            await suspicious_activity_report(case_id=missing, format="JSON")
        assert caught.value.field == ["caseId"]
