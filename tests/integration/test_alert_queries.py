"""services.aml.alert_queries: staff read alerts and cases back; everyone else sees none at all."""

from __future__ import annotations

import uuid

import pytest

from models import AmlAlert
from services.aml.alert_queries import (
    alerts_by_case_ids, cases_by_ids, get_alert, get_case, list_alerts, list_cases, notes_by_case_ids,
)
from services.aml.cases import CaseNoteRecord, CaseRecord, add_case_note, open_case
from services.aml.records import AlertRecord
from services.errors import NotFound, ValidationFailed
from services.outcome import AuditTarget
from tests.integration.aml_support import OFFICER, held_transfer, new_scene


async def test_staff_list_a_partners_alerts_with_filters(database_url):
    scene, payer, _, txn, alert = await held_transfer()
    page = await list_alerts(principal=OFFICER, first=10, after=None, partner_id=scene.partner_id)
    assert [(a.id, a.rule, a.status, a.transaction_id) for a in page.items] == [(alert["id"], "LARGE_TRANSACTION", "OPEN", txn.id)]
    assert all(isinstance(a, AlertRecord) for a in page.items)
    assert (page.has_next_page, page.has_previous_page) == (False, False)
    mine = dict(principal=OFFICER, first=10, after=None, partner_id=scene.partner_id)
    assert [a.id for a in (await list_alerts(**mine, status="OPEN", severity="HIGH", customer_id=payer.customer_id)).items] == [alert["id"]]
    assert (await list_alerts(**mine, status="RELEASED")).items == []
    assert (await list_alerts(**mine, severity="LOW")).items == []
    assert (await list_alerts(**mine, customer_id=uuid.uuid4())).items == []


async def test_alerts_are_listed_newest_first_across_pages(database_url):
    scene = await new_scene("FO")
    payers = [await scene.party(fund=["9999.99", "9999.99"]) for _ in range(2)]
    payee = await scene.party()
    first_held = await scene.transfer(payers[0], payee, "10000.00")
    second_held = await scene.transfer(payers[1], payee, "10000.00")
    assert (first_held.status.value, second_held.status.value) == ("HELD", "HELD")
    newest_first = [a.id for a in sorted(await AmlAlert.filter(partner_id=scene.partner_id), key=lambda a: a.id, reverse=True)]
    assert len(newest_first) == 2
    first = await list_alerts(principal=OFFICER, first=1, after=None, partner_id=scene.partner_id)
    assert [a.id for a in first.items] == newest_first[:1]
    assert (first.has_next_page, first.has_previous_page) == (True, False)
    rest = await list_alerts(principal=OFFICER, first=1, after=first.cursors[0], partner_id=scene.partner_id)
    assert [a.id for a in rest.items] == newest_first[1:]
    assert (rest.has_next_page, rest.has_previous_page) == (False, True)
    assert {a.transaction_id for a in first.items + rest.items} == {first_held.id, second_held.id}


async def test_unknown_status_or_severity_is_a_validation_error(database_url):
    with pytest.raises(ValidationFailed) as caught:
        await list_alerts(principal=OFFICER, first=5, after=None, status="PENDING")
    assert caught.value.field == ["status"]
    with pytest.raises(ValidationFailed) as caught:
        await list_alerts(principal=OFFICER, first=5, after=None, severity="CRITICAL")
    assert caught.value.field == ["severity"]
    with pytest.raises(ValidationFailed):
        await list_cases(principal=OFFICER, first=5, after=None, status="ARCHIVED")


async def test_a_partner_sees_no_alert_and_no_case_even_its_own(database_url):
    scene, _, _, txn, alert = await held_transfer()
    case = await open_case(principal=OFFICER, alert_ids=[alert["id"]], title="Large transfer")
    partner = scene.principal
    assert (await list_alerts(principal=partner, first=10, after=None)).items == []
    assert (await list_cases(principal=partner, first=10, after=None)).items == []
    with pytest.raises(NotFound):
        await get_alert(principal=partner, alert_id=alert["id"])
    with pytest.raises(NotFound):
        await get_case(principal=partner, case_id=case.id)
    assert await cases_by_ids(principal=partner, case_ids=[case.id]) == {}
    assert await alerts_by_case_ids(principal=partner, case_ids=[case.id]) == {case.id: []}
    assert await notes_by_case_ids(principal=partner, case_ids=[case.id]) == {case.id: []}


async def test_get_alert_and_get_case_by_id_or_not_found(database_url):
    _, _, _, txn, alert = await held_transfer()
    assert (await get_alert(principal=OFFICER, alert_id=alert["id"])).transaction_id == txn.id
    for missing in (None, uuid.uuid4()):
        with pytest.raises(NotFound) as caught:
            await get_alert(principal=OFFICER, alert_id=missing)
        assert caught.value.field == ["id"]
        with pytest.raises(NotFound) as caught:
            await get_case(principal=OFFICER, case_id=missing, field="caseId")
        assert caught.value.field == ["caseId"]


async def test_cases_with_their_alerts_notes_and_transactions_in_one_query_each(database_url):
    scene, _, _, txn, alert = await held_transfer()
    case = await open_case(principal=OFFICER, alert_ids=[alert["id"]], title="Large transfer")
    await add_case_note(principal=OFFICER, case_id=case.id, text="first look")
    await add_case_note(principal=OFFICER, case_id=case.id, text="second look")
    assert await get_case(principal=OFFICER, case_id=case.id) == case  # the record open_case handed out
    open_cases = (await list_cases(principal=OFFICER, first=100, after=None, status="OPEN")).items
    assert case in open_cases and all(isinstance(c, CaseRecord) for c in open_cases)
    closed_ids = [c.id for c in (await list_cases(principal=OFFICER, first=100, after=None, status="CLOSED")).items]
    assert case.id not in closed_ids
    other = uuid.uuid4()
    assert await cases_by_ids(principal=OFFICER, case_ids=[case.id, other]) == {case.id: case}
    in_cases = await alerts_by_case_ids(principal=OFFICER, case_ids=[case.id, other])
    assert {k: [a.id for a in v] for k, v in in_cases.items()} == {case.id: [alert["id"]], other: []}
    assert [a.case_id for a in in_cases[case.id]] == [case.id] and all(isinstance(a, AlertRecord) for a in in_cases[case.id])
    notes = await notes_by_case_ids(principal=OFFICER, case_ids=[case.id])
    assert [n.text for n in notes[case.id]] == ["first look", "second look"]
    assert all(isinstance(n, CaseNoteRecord) and n.case == case for n in notes[case.id])  # each note with its case


async def test_an_alert_record_holds_the_stored_fields_and_names_the_alert_for_the_audit(database_url):
    scene, payer, _, txn, alert = await held_transfer()
    record = await get_alert(principal=OFFICER, alert_id=alert["id"])
    row = await AmlAlert.get(id=alert["id"])
    assert record == AlertRecord(
        id=row.id, partner_id=scene.partner_id, customer_id=payer.customer_id, wallet_id=payer.wallet_id,
        transaction_id=txn.id, case_id=None, rule="LARGE_TRANSACTION", severity="HIGH", action="HOLD", status="OPEN",
        details=row.details, resolved_by=None, resolution_reason=None, created_at=row.created_at, resolved_at=None,
    )
    assert record.details and record.audited is False
    assert record.audit_target() == AuditTarget("AmlAlert", str(row.id), scene.partner_id)
