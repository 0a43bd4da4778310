"""Reconciliation through GraphQL: staff read exceptions and the daily report, admin and compliance resolve."""

from __future__ import annotations

from models import AuditEvent, ReconciliationException
from schema.common.relay import parse_global_id
from tests.api.reconciliation_support import reconciliation_exception_id
from tests.api.staff_support import staff  # noqa: F401 - the fixture
from tests.api.support import error_codes
from tests.factories import next_id

LIST = """query($rail: String, $status: ReconciliationExceptionStatus) {
  reconciliationExceptions(first: 10, rail: $rail, status: $status) {
    nodes { id kind status reference lineNumber lineText actual { amount currency } expected { amount }
            fileStatus detail resolutionReason resolvedBy resolvedAt }
  }
}"""
RESOLVE = """mutation($input: ReconciliationExceptionResolveInput!) {
  reconciliationExceptionResolve(input: $input) { exception { id status resolutionReason resolvedBy }
    userErrors { code field } }
}"""
REPORT = """query($d: String!, $rail: String) { reconciliationReport(date: $d, rail: $rail) {
  rail currency date tiesOut transfers { openingPosition { amount } net { amount } closingPosition { amount }
  settledIn { count amount { amount currency } } } ledger { closingPosition { amount } }
  unrecoveredReturns { count } } }"""


async def test_staff_read_and_resolve_exceptions_once_audited(clients, staff):  # noqa: F811
    rail = next_id("api-rail")
    exception_id = await reconciliation_exception_id(rail)
    analyst, compliance, support = await staff("analyst"), await staff("compliance"), await staff("support")
    listed = (await analyst.ok(LIST, {"rail": rail}))["reconciliationExceptions"]["nodes"]
    assert len(listed) == 1 and listed[0]["id"] == exception_id
    assert listed[0]["kind"] == "UNKNOWN_REFERENCE" and listed[0]["status"] == "OPEN"
    assert listed[0]["actual"] == {"amount": "1.00", "currency": "CNY"} and listed[0]["expected"] is None
    assert listed[0]["lineNumber"] == 2 and listed[0]["lineText"].endswith(",1.00,CNY,2026-01-01,SETTLED")
    assert error_codes(await support.gql(LIST, {"rail": rail})) == ["FORBIDDEN"]
    partner = await clients.partner()
    assert error_codes(await partner.gql(LIST, {"rail": rail})) == ["FORBIDDEN"]
    assert (await partner.gql("query($id: ID!) { node(id: $id) { id } }", {"id": exception_id}))["data"]["node"] is None

    # The analyst reads but does not resolve; a blank reason changes nothing.
    assert error_codes(await analyst.gql(RESOLVE, {"input": {"exceptionId": exception_id, "reason": "done"}})) == ["FORBIDDEN"]
    blank = (await compliance.ok(RESOLVE, {"input": {"exceptionId": exception_id, "reason": "  "}}))
    assert blank["reconciliationExceptionResolve"]["userErrors"] == [{"code": "VALIDATION", "field": ["reason"]}]
    resolved = (await compliance.ok(RESOLVE, {"input": {"exceptionId": exception_id,
                                                        "reason": "the rail's test transfer, booked by hand"}}))
    payload = resolved["reconciliationExceptionResolve"]
    assert payload["userErrors"] == [] and payload["exception"]["status"] == "RESOLVED"
    assert parse_global_id(payload["exception"]["resolvedBy"])[0] == "StaffUser"
    again = await compliance.ok(RESOLVE, {"input": {"exceptionId": exception_id, "reason": "once more"}})
    assert again["reconciliationExceptionResolve"]["userErrors"] == [{"code": "INVALID_STATE", "field": ["exceptionId"]}]
    row_id = parse_global_id(exception_id)[1]
    assert (await ReconciliationException.get(id=row_id)).open_key is None
    audits = await AuditEvent.filter(operation="reconciliationExceptionResolve", object_id=str(row_id))
    assert [a.outcome for a in audits] == ["OK"]
    assert (await analyst.ok(LIST, {"rail": rail, "status": "OPEN"}))["reconciliationExceptions"]["nodes"] == []
    unknown = await compliance.ok(RESOLVE, {"input": {"exceptionId": "bm9wZQ", "reason": "nothing there"}})
    assert unknown["reconciliationExceptionResolve"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_the_daily_report_through_graphql(staff):  # noqa: F811
    analyst = await staff("analyst")
    empty = await analyst.ok(REPORT, {"d": "1999-01-01", "rail": next_id("no-such-rail")})
    assert empty["reconciliationReport"] == []
    everything = (await analyst.ok(REPORT, {"d": "2100-01-01"}))["reconciliationReport"]
    for report in everything:
        assert report["date"] == "2100-01-01"
        assert report["transfers"]["closingPosition"] == report["transfers"]["openingPosition"]  # no movement that day
    bad = await analyst.gql(REPORT, {"d": "2026-13-01"})
    assert error_codes(bad) == ["VALIDATION"]
    assert error_codes(await (await staff("support")).gql(REPORT, {"d": "2026-01-01"})) == ["FORBIDDEN"]
