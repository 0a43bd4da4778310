"""AML alerts and cases over GraphQL: compliance groups alerts, assigns, notes, reports and closes.

Alerts are created directly (as the posting's rules would) for customers and
transactions made through the real API; everything else goes through GraphQL.
Filters always name the test's own customer: other tests raise alerts too.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest

from models import AmlAlert, AmlCase, AmlCaseNote, AuditEvent, Customer, StaffUser
from schema.common.relay import to_global_id
from services.aml.report import CSV_COLUMNS
from tests.api.staff_support import StaffClient, StaffFactory, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid, random_global_id
from tests.factories import ApiClientFactory, GraphQLClient

ERRORS = "userErrors { code message field }"
CASE_FIELDS = "id title status assigneeId openedBy closedAt customer { id } alerts { id status } notes { authorId text }"
CASE = f"case {{ {CASE_FIELDS} }}"
OPEN = f"mutation($input: AmlCaseOpenInput!) {{ amlCaseOpen(input: $input) {{ {CASE} {ERRORS} }} }}"
ASSIGN = f"mutation($input: AmlCaseAssignInput!) {{ amlCaseAssign(input: $input) {{ case {{ id assigneeId }} {ERRORS} }} }}"
NOTE = f"mutation($input: AmlCaseNoteAddInput!) {{ amlCaseNoteAdd(input: $input) {{ case {{ id }} note {{ authorId text createdAt }} {ERRORS} }} }}"
CLOSE = f"mutation($input: AmlCaseCloseInput!) {{ amlCaseClose(input: $input) {{ case {{ id status closedAt }} {ERRORS} }} }}"
RESOLVE = f"mutation($input: AmlAlertResolveInput!) {{ amlAlertResolve(input: $input) {{ alert {{ id status resolvedBy resolutionReason }} {ERRORS} }} }}"
ALERT_FIELDS = (
    "id partnerId rule ruleName severity action status details createdAt resolvedAt resolvedBy resolutionReason"
    " evidence { name value amount { amount currency } quantity time score }"
    " customer { id } wallet { id } transaction { id amount { amount currency } } case { id title }"
)
ALERTS = (
    "query($c: ID, $s: AmlAlertStatus, $v: AmlSeverity, $first: Int, $after: String) {"
    " amlAlerts(customerId: $c, status: $s, severity: $v, first: $first, after: $after) {"
    f" edges {{ cursor node {{ {ALERT_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
ALERT = f"query($id: ID!) {{ amlAlert(id: $id) {{ {ALERT_FIELDS} }} }}"
CASE_QUERY = f"query($id: ID!) {{ amlCase(id: $id) {{ {CASE_FIELDS} }} }}"
CASES = "query($s: AmlCaseStatus) { amlCases(status: $s, first: 100) { nodes { id status } } }"
REPORT = "query($id: ID!, $f: AmlReportFormat!) { amlCaseReport(caseId: $id, format: $f) }"


@pytest.fixture
async def officers(staff: StaffFactory) -> dict[str, StaffClient]:  # noqa: F811 - the staff fixture
    return await staff.every_role()


async def raise_alert(customer_id: str, *, wallet_id: str | None = None, transaction_id: str | None = None,
                      rule: str = "LARGE_TRANSACTION", severity: str = "HIGH", action: str = "ALERT",
                      details: dict[str, Any] | None = None) -> str:
    """An OPEN alert as a rule would raise it; returns its global ID."""
    # Ids are UUIDv7 (millisecond time, then random bits): a new millisecond keeps creation order.
    await asyncio.sleep(0.002)
    customer = object_uuid(customer_id)
    row = await AmlAlert.create(
        partner_id=(await Customer.get(id=customer)).partner_id, customer_id=customer,  # type: ignore[attr-defined]
        wallet_id=object_uuid(wallet_id) if wallet_id else None,
        transaction_id=object_uuid(transaction_id) if transaction_id else None,
        rule=rule, severity=severity, action=action, details=details if details is not None else {"amountMinor": 1250},
    )
    return to_global_id("AmlAlert", row.id)


async def _scene(partner: GraphQLClient, display_name: str = "Zhang Wei") -> dict[str, Any]:
    """A customer with PII on file, two wallets, a top-up and a transfer, and three alerts about them."""
    customer = await partner.create_customer(displayName=display_name, email="zhang.wei@example.com", phone="+8613800138000")
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    other = await partner.open_wallet("CNY")
    top_up = await partner.top_up(wallet["id"], "100.00")
    transfer = await partner.transfer(wallet["id"], other["id"], "12.50")
    assert top_up["userErrors"] == [] and transfer["userErrors"] == []
    alerts = [
        await raise_alert(customer["id"], wallet_id=wallet["id"], transaction_id=top_up["transaction"]["id"],
                          details={"amountMinor": 10000, "thresholdMinor": 5000}),
        await raise_alert(customer["id"], wallet_id=wallet["id"], transaction_id=transfer["transaction"]["id"],
                          rule="VELOCITY", severity="MEDIUM", details={"count": 7, "maxCount": 5, "windowMinutes": 60}),
        await raise_alert(customer["id"], rule="DORMANT_REACTIVATION", severity="LOW",
                          details={"lastActivityAt": "2030-01-02T03:04:05+00:00", "dormantDays": 180}),
    ]
    return {"customer": customer, "wallet": wallet, "other": other, "top_up": top_up["transaction"],
            "transfer": transfer["transaction"], "alerts": alerts}


async def _open(officer: StaffClient, alert_ids: list[str], title: str = "Structuring review") -> dict[str, Any]:
    return (await officer.ok(OPEN, {"input": {"alertIds": alert_ids, "title": title}}))["amlCaseOpen"]


async def _case(officer: StaffClient, alert_ids: list[str]) -> str:
    payload = await _open(officer, alert_ids)
    assert payload["userErrors"] == [], payload
    return payload["case"]["id"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


# --- reading alerts -------------------------------------------------------------


async def test_staff_list_alerts_newest_first_with_filters_and_pages(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    scene = await _scene(partner)
    admin = officers["admin"]
    data = await admin.ok(ALERTS, {"c": scene["customer"]["id"]})
    nodes = [edge["node"] for edge in data["amlAlerts"]["edges"]]
    assert [n["id"] for n in nodes] == list(reversed(scene["alerts"]))
    newest, middle, oldest = nodes
    assert oldest["rule"] == "LARGE_TRANSACTION" and oldest["severity"] == "HIGH" and oldest["action"] == "ALERT"
    assert oldest["status"] == "OPEN" and oldest["details"] == {"amountMinor": 10000, "thresholdMinor": 5000}
    assert oldest["customer"]["id"] == scene["customer"]["id"] and oldest["wallet"]["id"] == scene["wallet"]["id"]
    assert oldest["transaction"] == {"id": scene["top_up"]["id"], "amount": {"amount": "100.00", "currency": "CNY"}}
    assert oldest["partnerId"] == to_global_id("Partner", uuid.UUID(partner.partner_id))
    assert newest["wallet"] is None and newest["transaction"] is None and newest["case"] is None
    assert middle["transaction"]["id"] == scene["transfer"]["id"]
    # The typed fields say what the deprecated rule and details say: amounts in the transaction's currency.
    assert [n["ruleName"] for n in nodes] == [n["rule"] for n in nodes]
    none = {"amount": None, "quantity": None, "time": None, "score": None}
    assert oldest["evidence"] == [
        {**none, "name": "AMOUNT", "value": "100.00", "amount": {"amount": "100.00", "currency": "CNY"}},
        {**none, "name": "THRESHOLD", "value": "50.00", "amount": {"amount": "50.00", "currency": "CNY"}},
    ]
    assert middle["evidence"] == [{**none, "name": name, "value": str(n), "quantity": n}
                                  for name, n in (("COUNT", 7), ("MAX_COUNT", 5), ("WINDOW_MINUTES", 60))]
    assert [(e["name"], e["value"], e["quantity"]) for e in newest["evidence"]] == [
        ("DORMANT_DAYS", "180", 180), ("LAST_ACTIVITY_AT", "2030-01-02T03:04:05+00:00", None)]
    assert datetime.fromisoformat(newest["evidence"][1]["time"]) == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    by_severity = await admin.ok(ALERTS, {"c": scene["customer"]["id"], "v": "MEDIUM"})
    assert [e["node"]["id"] for e in by_severity["amlAlerts"]["edges"]] == [scene["alerts"][1]]
    assert (await admin.ok(ALERTS, {"c": scene["customer"]["id"], "s": "DISMISSED"}))["amlAlerts"]["edges"] == []

    first = (await admin.ok(ALERTS, {"c": scene["customer"]["id"], "first": 2}))["amlAlerts"]
    assert [e["node"]["id"] for e in first["edges"]] == [scene["alerts"][2], scene["alerts"][1]]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await admin.ok(ALERTS, {"c": scene["customer"]["id"], "first": 2, "after": first["pageInfo"]["endCursor"]}))["amlAlerts"]
    assert [e["node"]["id"] for e in rest["edges"]] == [scene["alerts"][0]] and rest["pageInfo"]["hasNextPage"] is False

    one = (await officers["compliance"].ok(ALERT, {"id": scene["alerts"][0]}))["amlAlert"]
    assert one == oldest
    for missing in (random_global_id("AmlAlert"), scene["customer"]["id"]):
        assert error_codes(await admin.gql(ALERT, {"id": missing})) == ["NOT_FOUND"]
    assert error_codes(await admin.gql(ALERTS, {"first": 101})) == ["VALIDATION"]


# --- the life of a case ------------------------------------------------------------


async def test_compliance_opens_assigns_and_notes_a_case_but_cannot_close_it_while_alerts_are_open(
    clients: ApiClientFactory, officers, staff: StaffFactory,  # noqa: F811
):
    partner = await clients.partner()
    scene = await _scene(partner)
    officer = officers["compliance"]
    opened = await _open(officer, scene["alerts"], "Possible structuring")
    assert opened["userErrors"] == [], opened
    case = opened["case"]
    assert case["title"] == "Possible structuring" and case["status"] == "OPEN" and case["assigneeId"] is None
    assert case["openedBy"] == to_global_id("StaffUser", officer.staff_id) and case["customer"]["id"] == scene["customer"]["id"]
    assert [a["id"] for a in case["alerts"]] == scene["alerts"] and case["notes"] == []
    alert = (await officer.ok(ALERT, {"id": scene["alerts"][0]}))["amlAlert"]
    assert alert["case"] == {"id": case["id"], "title": "Possible structuring"}

    colleague = await staff("compliance")
    retired = await staff.user("compliance")
    await StaffUser.filter(id=retired.id).update(active=False)
    bad_assignees = [str(officers["support"].staff_id), str(officers["admin"].staff_id), str(retired.id),
                     str(uuid.uuid4()), to_global_id("StaffUser", officers["analyst"].staff_id), "nobody"]
    for bad in bad_assignees:
        refused = (await officer.ok(ASSIGN, {"input": {"caseId": case["id"], "assigneeId": bad}}))["amlCaseAssign"]
        assert _codes(refused) == ["VALIDATION"] and refused["userErrors"][0]["field"] == ["assigneeId"], (bad, refused)
    for good in (str(officer.staff_id), to_global_id("StaffUser", colleague.staff_id)):
        assigned = (await officer.ok(ASSIGN, {"input": {"caseId": case["id"], "assigneeId": good}}))["amlCaseAssign"]
        assert assigned["userErrors"] == [], assigned
    assert assigned["case"]["assigneeId"] == to_global_id("StaffUser", colleague.staff_id)

    note = (await officer.ok(NOTE, {"input": {"caseId": case["id"], "text": "Seven transfers in an hour.\nAsked partner for context."}}))["amlCaseNoteAdd"]
    assert note["userErrors"] == [] and note["case"]["id"] == case["id"], note
    assert note["note"]["authorId"] == to_global_id("StaffUser", officer.staff_id)
    longest = (await colleague.ok(NOTE, {"input": {"caseId": case["id"], "text": "y" * 4000}}))["amlCaseNoteAdd"]
    assert longest["userErrors"] == [], longest
    for text in ("", "   ", "x" * 4001, "nul\x00byte"):
        refused = (await officer.ok(NOTE, {"input": {"caseId": case["id"], "text": text}}))["amlCaseNoteAdd"]
        assert _codes(refused) == ["VALIDATION"] and refused["note"] is None, refused

    refused = (await officer.ok(CLOSE, {"input": {"caseId": case["id"], "reason": "nothing found"}}))["amlCaseClose"]
    assert _codes(refused) == ["INVALID_STATE"] and refused["case"] is None, refused
    stored = await AmlCase.get(id=object_uuid(case["id"]))
    assert stored.status == "OPEN" and stored.closed_at is None and stored.assignee_id == str(colleague.staff_id)
    seen = (await officers["admin"].ok(CASE_QUERY, {"id": case["id"]}))["amlCase"]
    assert [n["text"] for n in seen["notes"]] == ["Seven transfers in an hour.\nAsked partner for context.", "y" * 4000]
    listed = (await officer.ok(CASES, {"s": "OPEN"}))["amlCases"]["nodes"]
    assert {"id": case["id"], "status": "OPEN"} in listed
    assert {"id": case["id"], "status": "OPEN"} not in (await officer.ok(CASES, {"s": "CLOSED"}))["amlCases"]["nodes"]


async def test_a_case_needs_existing_free_alerts_of_one_customer(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    officer = officers["compliance"]
    one, two = await partner.create_customer(), await partner.create_customer()
    first, second, elsewhere = await raise_alert(one["id"]), await raise_alert(one["id"]), await raise_alert(two["id"])
    cases_before = await AmlCase.all().count()

    assert _codes(await _open(officer, [first, elsewhere])) == ["VALIDATION"]
    assert _codes(await _open(officer, [])) == ["VALIDATION"]
    assert _codes(await _open(officer, [first], "")) == ["VALIDATION"]
    assert _codes(await _open(officer, [first], "t" * 201)) == ["VALIDATION"]
    assert _codes(await _open(officer, [first, random_global_id("AmlAlert")])) == ["NOT_FOUND"]
    assert _codes(await _open(officer, [first, one["id"]])) == ["NOT_FOUND"]
    assert await AmlCase.all().count() == cases_before

    case_id = await _case(officer, [first, first])  # a repeated id counts once
    assert _codes(await _open(officer, [second, first])) == ["INVALID_STATE"]
    assert (await AmlAlert.get(id=object_uuid(second))).case_id is None  # type: ignore[attr-defined]
    assert await AmlAlert.filter(case_id=object_uuid(case_id)).count() == 1
    for target in (random_global_id("AmlCase"), one["id"]):
        for document, name, extra in ((NOTE, "amlCaseNoteAdd", {"text": "x"}), (CLOSE, "amlCaseClose", {"reason": "x"}),
                                      (ASSIGN, "amlCaseAssign", {"assigneeId": str(officer.staff_id)})):
            payload = (await officer.ok(document, {"input": {"caseId": target, **extra}}))[name]
            assert _codes(payload) == ["NOT_FOUND"], (name, payload)


async def _dismiss(officer: StaffClient, alert_id: str, reason: str = "Explained by payroll") -> dict[str, Any]:
    payload = (await officer.ok(RESOLVE, {"input": {"alertId": alert_id, "decision": "DISMISS", "reason": reason}}))["amlAlertResolve"]
    assert payload["userErrors"] == [], payload
    return payload["alert"]


async def test_a_case_closes_once_every_alert_is_dismissed_and_then_is_final(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    scene = await _scene(partner)
    officer = officers["compliance"]
    case_id = await _case(officer, scene["alerts"])
    close = {"input": {"caseId": case_id, "reason": "Activity explained; no report filed"}}

    for alert_id in scene["alerts"][:2]:
        dismissed = await _dismiss(officer, alert_id)
        assert dismissed["status"] == "DISMISSED" and dismissed["resolutionReason"] == "Explained by payroll"
        assert dismissed["resolvedBy"] == to_global_id("StaffUser", officer.staff_id)
    still_open = (await officer.ok(CLOSE, close))["amlCaseClose"]
    assert _codes(still_open) == ["INVALID_STATE"], still_open
    await _dismiss(officer, scene["alerts"][2])

    closed = (await officer.ok(CLOSE, close))["amlCaseClose"]
    assert closed["userErrors"] == [] and closed["case"]["status"] == "CLOSED" and closed["case"]["closedAt"], closed
    case = (await officer.ok(CASE_QUERY, {"id": case_id}))["amlCase"]
    assert [a["status"] for a in case["alerts"]] == ["DISMISSED"] * 3
    assert case["notes"][-1] == {"authorId": to_global_id("StaffUser", officer.staff_id), "text": "Case closed: Activity explained; no report filed"}

    assert _codes((await officer.ok(CLOSE, close))["amlCaseClose"]) == ["INVALID_STATE"]
    late_note = (await officer.ok(NOTE, {"input": {"caseId": case_id, "text": "one more thing"}}))["amlCaseNoteAdd"]
    assert _codes(late_note) == ["INVALID_STATE"], late_note
    reassign = {"input": {"caseId": case_id, "assigneeId": str(officer.staff_id)}}
    assert _codes((await officer.ok(ASSIGN, reassign))["amlCaseAssign"]) == ["INVALID_STATE"]
    assert await AmlCaseNote.filter(case_id=object_uuid(case_id)).count() == 1

    report = json.loads((await officer.ok(REPORT, {"id": case_id, "f": "JSON"}))["amlCaseReport"])
    assert report["case"]["status"] == "CLOSED" and report["case"]["closedAt"]
    assert {(a["status"], a["resolutionReason"]) for a in report["alerts"]} == {("DISMISSED", "Explained by payroll")}
    assert {"id": case_id, "status": "CLOSED"} in (await officer.ok(CASES, {"s": "CLOSED"}))["amlCases"]["nodes"]


async def test_two_officers_opening_cases_on_one_alert_open_one(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    customer = await partner.create_customer()
    alert = await raise_alert(customer["id"])
    first, second = await staff("compliance"), await staff("compliance")
    cases_before = await AmlCase.all().count()
    results = await asyncio.gather(_open(first, [alert], "first"), _open(second, [alert], "second"))
    assert sorted(tuple(_codes(r)) for r in results) == [(), ("INVALID_STATE",)], results
    winner = next(r for r in results if not r["userErrors"])
    assert await AmlCase.all().count() == cases_before + 1
    assert str((await AmlAlert.get(id=object_uuid(alert))).case_id) == str(object_uuid(winner["case"]["id"]))  # type: ignore[attr-defined]


# --- the report ------------------------------------------------------------------------


async def test_the_report_shows_case_alerts_transactions_and_notes_without_pii(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    scene = await _scene(partner, display_name="=HYPERLINK(\"http://evil.example\")")
    officer = officers["compliance"]
    case_id = await _case(officer, scene["alerts"])
    await officer.ok(NOTE, {"input": {"caseId": case_id, "text": "Customer called, no explanation."}})

    text = (await officers["admin"].ok(REPORT, {"id": case_id, "f": "JSON"}))["amlCaseReport"]
    assert text == (await officer.ok(REPORT, {"id": case_id, "f": "JSON"}))["amlCaseReport"], "not deterministic"
    report = json.loads(text)
    assert set(report) == {"case", "customer", "alerts", "transactions", "notes"}
    assert report["case"]["id"] == case_id and report["case"]["status"] == "OPEN"
    assert report["case"]["title"] == "Structuring review" and report["case"]["partnerId"] == to_global_id("Partner", uuid.UUID(partner.partner_id))
    assert report["customer"] == {"id": scene["customer"]["id"], "kind": "INDIVIDUAL",
                                  "country": "CN", "displayName": "=HYPERLINK(\"http://evil.example\")"}
    for pii in ("zhang.wei@example.com", "+8613800138000", "8613800138000"):
        assert pii not in text
    assert [a["id"] for a in report["alerts"]] == [a for a in scene["alerts"]]
    assert [(a["rule"], a["severity"], a["status"]) for a in report["alerts"]] == [
        ("LARGE_TRANSACTION", "HIGH", "OPEN"), ("VELOCITY", "MEDIUM", "OPEN"), ("DORMANT_REACTIVATION", "LOW", "OPEN")]
    assert report["alerts"][1]["details"] == {"count": 7, "maxCount": 5, "windowMinutes": 60}
    wallet, other = scene["wallet"]["id"], scene["other"]["id"]
    # Rows in stored-id order: for these UUIDv7 ids, the order they were made in.
    assert [t["id"] for t in report["transactions"]] == [scene["top_up"]["id"], scene["transfer"]["id"]]
    transactions = {t["id"]: t for t in report["transactions"]}
    top_up = transactions[scene["top_up"]["id"]]
    transfer = transactions[scene["transfer"]["id"]]
    assert top_up["id"] == scene["top_up"]["id"] and top_up["kind"] == "TOP_UP"
    assert (top_up["amount"], top_up["currency"], top_up["fromWalletId"], top_up["toWalletId"]) == ("100.00", "CNY", None, wallet)
    assert transfer["kind"] == "TRANSFER" and transfer["status"] == "POSTED"
    assert (transfer["amount"], transfer["fromWalletId"], transfer["toWalletId"]) == ("12.50", wallet, other)
    assert transfer["createdAt"].endswith("Z")
    assert [n["text"] for n in report["notes"]] == ["Customer called, no explanation."]
    assert report["notes"][0]["authorId"] == to_global_id("StaffUser", officer.staff_id)

    sheet = (await officer.ok(REPORT, {"id": case_id, "f": "CSV"}))["amlCaseReport"]
    assert sheet == (await officer.ok(REPORT, {"id": case_id, "f": "CSV"}))["amlCaseReport"], "not deterministic"
    rows = list(csv.reader(io.StringIO(sheet)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 4
    records = [dict(zip(CSV_COLUMNS, row)) for row in rows[1:]]
    assert [r["alert_id"] for r in records] == [a["id"] for a in report["alerts"]]
    assert records[0]["transaction_id"] == top_up["id"] and records[0]["transaction_amount"] == "100.00"
    assert records[1]["transaction_amount"] == "12.50" and records[1]["transaction_currency"] == "CNY"
    assert records[1]["transaction_from_wallet_id"] == wallet and records[1]["transaction_to_wallet_id"] == other
    assert records[2]["transaction_id"] == "" and records[2]["alert_rule"] == "DORMANT_REACTIVATION"
    assert json.loads(records[1]["alert_details"]) == {"count": 7, "maxCount": 5, "windowMinutes": 60}
    # A display name that a spreadsheet would run as a formula is neutralised.
    assert all(r["customer_display_name"] == "'=HYPERLINK(\"http://evil.example\")" for r in records)
    assert "zhang.wei@example.com" not in sheet and "8613800138000" not in sheet

    assert error_codes(await officer.gql(REPORT, {"id": random_global_id("AmlCase"), "f": "JSON"})) == ["NOT_FOUND"]
    assert error_codes(await officer.gql(REPORT, {"id": case_id, "f": "XML"})) == ["BAD_REQUEST"]


# --- who may do what --------------------------------------------------------------


async def test_admin_reads_compliance_decides_and_nobody_else_sees_alerts(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    customer = await partner.create_customer()
    alert = await raise_alert(customer["id"])
    case_id = await _case(officers["compliance"], [await raise_alert(customer["id"])])
    frontend = await customer_session(partner, customer["id"], ["customers:read", "wallets:read", "transactions:read"])
    reads = [(ALERTS, {"c": customer["id"]}), (ALERT, {"id": alert}), (CASES, {}), (CASE_QUERY, {"id": case_id}),
             (REPORT, {"id": case_id, "f": "JSON"})]
    writes = [
        (OPEN, {"input": {"alertIds": [alert], "title": "t"}}),
        (ASSIGN, {"input": {"caseId": case_id, "assigneeId": str(officers["compliance"].staff_id)}}),
        (NOTE, {"input": {"caseId": case_id, "text": "t"}}),
        (CLOSE, {"input": {"caseId": case_id, "reason": "t"}}),
        (RESOLVE, {"input": {"alertId": alert, "decision": "DISMISS", "reason": "t"}}),
    ]
    notes_before, cases_before = await AmlCaseNote.all().count(), await AmlCase.all().count()
    for document, variables in reads:
        assert not (await officers["admin"].gql(document, variables)).get("errors"), document
        for caller in (officers["support"], officers["analyst"], partner, frontend):
            assert error_codes(await caller.gql(document, variables)) == ["FORBIDDEN"], (document, caller)
    for document, variables in writes:
        for caller in (officers["admin"], officers["support"], officers["analyst"], partner, frontend):
            assert error_codes(await caller.gql(document, variables)) == ["FORBIDDEN"], (document, caller)
    assert (await AmlAlert.get(id=object_uuid(alert))).status == "OPEN"
    assert (await AmlAlert.get(id=object_uuid(alert))).case_id is None  # type: ignore[attr-defined]
    assert (await AmlCase.get(id=object_uuid(case_id))).assignee_id is None
    assert await AmlCaseNote.all().count() == notes_before and await AmlCase.all().count() == cases_before


async def test_every_decision_is_audited_with_its_ids(clients: ApiClientFactory, officers):
    partner = await clients.partner()
    customer = await partner.create_customer()
    officer = officers["compliance"]
    alerts = [await raise_alert(customer["id"]), await raise_alert(customer["id"])]
    case_id = await _case(officer, alerts)
    await officer.ok(ASSIGN, {"input": {"caseId": case_id, "assigneeId": str(officer.staff_id)}})
    await officer.ok(NOTE, {"input": {"caseId": case_id, "text": "looked"}})
    await officer.ok(CLOSE, {"input": {"caseId": case_id, "reason": "too early"}})
    case_uuid = str(object_uuid(case_id))
    rows = await AuditEvent.filter(actor_id=str(officer.staff_id), operation__startswith="amlCase").order_by("id")
    assert [(r.operation, r.outcome) for r in rows] == [
        ("amlCaseOpen", "OK"), ("amlCaseAssign", "OK"), ("amlCaseNoteAdd", "OK"), ("amlCaseClose", "INVALID_STATE")]
    for row in rows[:3]:
        assert row.object_type == "AmlCase" and row.object_id == case_uuid and str(row.partner_id) == partner.partner_id
        assert f"caseId={case_uuid}" in (row.detail or "")
    assert all(str(object_uuid(a)) in (rows[0].detail or "") for a in alerts)
    assert f"assigneeId={officer.staff_id}" in (rows[1].detail or "")
    note = await AmlCaseNote.filter(case_id=object_uuid(case_id)).first()
    assert note is not None and f"noteId={note.id}" in (rows[2].detail or "")
    assert case_id in (rows[3].detail or "")
