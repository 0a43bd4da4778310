"""The KYC lifecycle through the API: a partner submits, compliance decides, the customer's status follows.

Only the partner's own token submits (kyc:write); only compliance reviews
(kyc:review) and reveals (pii:reveal); every reader sees identity data masked.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models import AmlAlert, AuditEvent, Customer, DomainEvent, KycSubmission
from models.enums import ScreeningStatus
from services.screening.watchlist import load_watchlist_csv, remove_watchlists
from tests.api.kyc_support import LIST, ONE, REVEAL, REVIEW, business, document, individual, submit, submitted
from tests.api.staff_support import StaffClient, StaffFactory, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid, random_global_id
from tests.factories import ApiClientFactory, GraphQLClient, next_id

CUSTOMER = "query($id: ID!) { customer(id: $id) { kycStatus kycTier } }"


@pytest.fixture
async def compliance(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("compliance")


async def _review(officer: StaffClient, submission_id: str, decision: str, reason: str = "Documents checked against the source",
                  tier: int | None = None) -> dict[str, Any]:
    body = await officer.gql(REVIEW, {"input": {"submissionId": submission_id, "decision": decision, "reason": reason, "tier": tier}})
    assert not body.get("errors"), body
    return body["data"]["kycReview"]


async def _standing(partner: GraphQLClient, customer_id: str) -> tuple[str, int]:
    customer = (await partner.ok(CUSTOMER, {"id": customer_id}))["customer"]
    return customer["kycStatus"], customer["kycTier"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def _plaintexts(application: dict[str, Any]) -> list[str]:
    values = [application["legalName"], application["idNumber"], application["address"]]
    if application.get("dateOfBirth"):
        values.append(application["dateOfBirth"])
    for owner in (application.get("business") or {}).get("beneficialOwners", []):
        values += [owner["legalName"], owner["dateOfBirth"]]
    return values


async def _events(submission_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await DomainEvent.filter(object_type="KycSubmission", object_id=str(object_uuid(submission_id))).order_by("id")
    return [(row.type, row.payload) for row in rows]


async def test_a_partner_submits_and_only_compliance_approves(clients: ApiClientFactory, staff: StaffFactory, compliance):  # noqa: F811
    partner = await clients.partner()
    customer = await partner.create_customer(kyc_tier=None)
    application = individual(customer["id"])
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    shown = payload["submission"]
    assert (shown["status"], shown["subjectKind"], shown["nationality"], shown["idType"]) == ("PENDING", "INDIVIDUAL", "CN", "PASSPORT")
    assert shown["legalName"] == "••••••" + application["legalName"][-4:]
    assert shown["idNumber"] == "••••••" + application["idNumber"][-4:]
    assert shown["dateOfBirth"] == "••••"  # a date shows nothing: its last four are most of it
    assert shown["documents"] == application["documents"]
    assert await _standing(partner, customer["id"]) == ("PENDING", 0)

    for role in ("support", "analyst", "admin"):
        body = await (await staff(role)).gql(REVIEW, {"input": {"submissionId": shown["id"], "decision": "APPROVE",
                                                                "reason": "looks fine", "tier": 3}})
        assert error_codes(body) == ["FORBIDDEN"], (role, body)
    assert await _standing(partner, customer["id"]) == ("PENDING", 0)

    approved = await _review(compliance, shown["id"], "APPROVE", reason="Passport verified with issuer", tier=2)
    assert approved["userErrors"] == [] and approved["submission"]["status"] == "APPROVED"
    assert approved["submission"]["tierGranted"] == 2
    assert await _standing(partner, customer["id"]) == ("APPROVED", 2)
    again = await _review(compliance, shown["id"], "REJECT", reason="second thoughts")
    assert _codes(again) == ["KYC_ALREADY_REVIEWED"] and again["submission"] is None
    assert await _standing(partner, customer["id"]) == ("APPROVED", 2)

    submission_uuid = str(object_uuid(shown["id"]))
    assert [t for t, _ in await _events(shown["id"])] == ["kyc.submitted", "kyc.approved"]
    for _, event_payload in await _events(shown["id"]):
        assert event_payload["submissionId"] == submission_uuid
        assert not any(value in str(event_payload) for value in _plaintexts(application))
    assert (await _events(shown["id"]))[1][1]["tier"] == 2
    audit = await AuditEvent.filter(operation="kycReview", object_id=submission_uuid, outcome="OK").first()
    assert audit is not None and "Passport verified with issuer" in (audit.detail or "") and "APPROVE" in (audit.detail or "")
    # The partner sees the decision, not the reviewer's reason for an approval.
    seen = (await partner.ok(ONE, {"id": shown["id"]}))["kycSubmission"]
    assert (seen["status"], seen["tierGranted"], seen["reviewReason"]) == ("APPROVED", 2, None)


TYPED = ("mutation($input: KycSubmitInput!) { kycSubmit(input: $input) { submission { id idType identityDocumentType"
         " documents { type documentType fileName } } userErrors { code message field } } }")


async def test_typed_id_and_document_types_are_accepted_and_answered_beside_the_strings(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(kyc_tier=None)
    application = individual(customer["id"], documents=[document("SELFIE"), document("ID_FRONT")])
    del application["idType"]
    application["identityDocumentType"] = "NATIONAL_ID"
    del application["documents"][1]["type"]
    application["documents"][1]["documentType"] = "ID_FRONT"
    application["documents"][0]["type"] = "selfie"  # the deprecated string, case-insensitive as before

    payload = (await partner.ok(TYPED, {"input": application}))["kycSubmit"]

    assert payload["userErrors"] == [], payload
    shown = payload["submission"]
    assert (shown["idType"], shown["identityDocumentType"]) == ("NATIONAL_ID", "NATIONAL_ID")
    assert [(d["type"], d["documentType"]) for d in shown["documents"]] == [("SELFIE", "SELFIE"), ("ID_FRONT", "ID_FRONT")]
    seen = (await partner.ok(ONE, {"id": shown["id"]}))["kycSubmission"]  # the deprecated strings still answer
    assert seen["idType"] == "NATIONAL_ID" and [d["type"] for d in seen["documents"]] == ["SELFIE", "ID_FRONT"]


async def test_a_rejection_drops_the_tier_and_allows_a_new_submission(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    customer = await partner.create_customer(kyc_tier=2)  # approved before, now re-submitting
    first = await submit(partner, individual(customer["id"]))
    assert first["userErrors"] == []
    assert await _standing(partner, customer["id"]) == ("PENDING", 2)
    rejected = await _review(compliance, first["submission"]["id"], "REJECT", reason="Name matches a sanctions entry")
    assert rejected["submission"]["status"] == "REJECTED"
    assert await _standing(partner, customer["id"]) == ("REJECTED", 0)
    seen = (await partner.ok(ONE, {"id": first["submission"]["id"]}))["kycSubmission"]
    assert seen["reviewReason"] is None, "a rejection's reason stays with the bank (no tipping-off)"
    second = await submit(partner, individual(customer["id"]))
    assert second["userErrors"] == [] and second["submission"]["status"] == "PENDING"
    assert [t for t, _ in await _events(first["submission"]["id"])] == ["kyc.submitted", "kyc.rejected"]


async def test_needs_info_tells_the_partner_what_is_missing_and_a_resubmission_follows(clients: ApiClientFactory, compliance):
    partner = await clients.partner()
    customer_id, submission_id, _ = await submitted(partner)
    asked = await _review(compliance, submission_id, "NEEDS_INFO", reason="Proof of address older than 3 months")
    assert asked["submission"]["status"] == "NEEDS_INFO"
    assert await _standing(partner, customer_id) == ("NEEDS_INFO", 0)
    seen = (await partner.ok(ONE, {"id": submission_id}))["kycSubmission"]
    assert seen["reviewReason"] == "Proof of address older than 3 months"
    again = await submit(partner, individual(customer_id))
    assert again["userErrors"] == []
    assert await _standing(partner, customer_id) == ("PENDING", 0)
    approved = await _review(compliance, again["submission"]["id"], "APPROVE", tier=1)
    assert approved["userErrors"] == []
    assert await _standing(partner, customer_id) == ("APPROVED", 1)
    assert [t for t, _ in await _events(submission_id)] == ["kyc.submitted", "kyc.needs_info"]


async def test_a_second_submission_while_one_is_pending_is_refused(clients: ApiClientFactory):
    partner = await clients.partner()
    customer_id, _, _ = await submitted(partner)
    refused = await submit(partner, individual(customer_id))
    assert _codes(refused) == ["KYC_PENDING"] and refused["submission"] is None
    assert await KycSubmission.filter(customer_id=object_uuid(customer_id)).count() == 1


async def test_concurrent_submissions_leave_exactly_one_pending(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(kyc_tier=None)
    payloads = await asyncio.gather(*(submit(partner, individual(customer["id"])) for _ in range(4)))
    assert sorted(tuple(_codes(p)) for p in payloads) == [(), ("KYC_PENDING",), ("KYC_PENDING",), ("KYC_PENDING",)]
    assert await KycSubmission.filter(customer_id=object_uuid(customer["id"])).count() == 1


async def test_concurrent_reviews_decide_once(clients: ApiClientFactory, staff: StaffFactory, compliance):  # noqa: F811
    partner = await clients.partner()
    customer_id, submission_id, _ = await submitted(partner)
    other = await staff("compliance")
    results = await asyncio.gather(_review(compliance, submission_id, "APPROVE", tier=3),
                                   _review(other, submission_id, "REJECT", reason="conflicting view"))
    assert sorted(tuple(_codes(r)) for r in results) == [(), ("KYC_ALREADY_REVIEWED",)]
    winner = next(r for r in results if not r["userErrors"])["submission"]["status"]
    assert await _standing(partner, customer_id) == (("APPROVED", 3) if winner == "APPROVED" else ("REJECTED", 0))
    assert len(await _events(submission_id)) == 2


async def test_another_partners_customer_and_submission_are_not_found(clients: ApiClientFactory):
    a, b = await clients.partner(), await clients.partner()
    customer_id, submission_id, _ = await submitted(a)
    other = await a.create_customer(kyc_tier=None)
    refused = await submit(b, individual(other["id"]))
    assert _codes(refused) == ["NOT_FOUND"] and refused["userErrors"][0]["field"] == ["customerId"]
    assert await KycSubmission.filter(customer_id=object_uuid(other["id"])).count() == 0
    body = await b.gql(ONE, {"id": submission_id})
    assert error_codes(body) == ["NOT_FOUND"] and body["data"]["kycSubmission"] is None
    listed = (await b.ok(LIST, {"first": 100}))["kycSubmissions"]["nodes"]
    assert submission_id not in {node["id"] for node in listed}
    body = await b.gql(LIST, {"customerId": customer_id})
    assert error_codes(body) == ["NOT_FOUND"]
    unknown = await submit(a, individual(random_global_id("Customer")))
    assert _codes(unknown) == ["NOT_FOUND"]


async def test_a_customer_token_cannot_submit_but_reads_its_own_submission_masked(clients: ApiClientFactory):
    partner = await clients.partner()
    customer_id, submission_id, application = await submitted(partner)
    _, other_submission, _ = await submitted(partner)
    frontend = await customer_session(partner, customer_id, ["customers:read", "kyc:read"])
    body = await frontend.gql("mutation($input: KycSubmitInput!) { kycSubmit(input: $input) { userErrors { code } } }",
                              {"input": individual(customer_id)})
    assert error_codes(body) == ["FORBIDDEN"]
    assert await KycSubmission.filter(customer_id=object_uuid(customer_id)).count() == 1
    own = (await frontend.ok(ONE, {"id": submission_id}))["kycSubmission"]
    assert own["legalName"] == "••••••" + application["legalName"][-4:]
    assert error_codes(await frontend.gql(ONE, {"id": other_submission})) == ["NOT_FOUND"]
    listed = (await frontend.ok(LIST, {"first": 100}))["kycSubmissions"]["nodes"]
    assert [node["id"] for node in listed] == [submission_id]


async def test_staff_work_the_review_queue_oldest_first_and_partners_see_their_own(clients: ApiClientFactory, staff: StaffFactory, compliance):  # noqa: F811
    partner = await clients.partner()
    mine = [(await submitted(partner))[1] for _ in range(3)]
    queue: list[str] = []
    after = None
    while True:
        page = (await compliance.ok(LIST, {"status": "PENDING", "first": 2, "after": after}))["kycSubmissions"]
        queue += [node["id"] for node in page["nodes"]]
        assert all(node["status"] == "PENDING" for node in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    positions = [queue.index(s) for s in mine]
    assert positions == sorted(positions), "oldest first"
    own = (await partner.ok(LIST, {"first": 100}))["kycSubmissions"]["nodes"]
    assert [node["id"] for node in own] == mine
    assert all(node["legalName"].startswith("••••••") for node in own)
    admin = await staff("admin")
    assert (await admin.ok(ONE, {"id": mine[0]}))["kycSubmission"]["legalName"].startswith("••••••")
    for role in ("support", "analyst"):
        assert error_codes(await (await staff(role)).gql(ONE, {"id": mine[0]})) == ["FORBIDDEN"]


async def test_a_business_sends_its_owners_and_compliance_reveals_them(clients: ApiClientFactory, staff: StaffFactory, compliance):  # noqa: F811
    partner = await clients.partner()
    customer = await partner.create_customer(kind="BUSINESS", kyc_tier=None)
    application = business(customer["id"])
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    shown = payload["submission"]
    assert shown["dateOfBirth"] is None and shown["subjectKind"] == "BUSINESS"
    owners = shown["business"]["beneficialOwners"]
    assert [(o["nationality"], o["ownershipBps"]) for o in owners] == [("IT", 6000), ("NG", 2500)]
    assert owners[0]["legalName"] == "••••••" + application["business"]["beneficialOwners"][0]["legalName"][-4:]
    assert not any(value in str(payload) for value in _plaintexts(application))

    reason = "Enhanced due diligence on ownership structure"
    revealed = (await compliance.ok(REVEAL, {"input": {"submissionId": shown["id"], "field": "BUSINESS", "reason": reason}}))["kycReveal"]
    assert revealed["userErrors"] == [] and revealed["field"] == "BUSINESS"
    assert application["business"]["beneficialOwners"][1]["legalName"] in revealed["value"]
    id_number = (await compliance.ok(REVEAL, {"input": {"submissionId": shown["id"], "field": "ID_NUMBER", "reason": reason}}))
    assert id_number["kycReveal"]["value"] == application["idNumber"]
    audits = await AuditEvent.filter(operation="kycReveal", object_id=str(object_uuid(shown["id"]))).order_by("id")
    assert [a.outcome for a in audits] == ["OK", "OK"]
    assert all(reason in (a.detail or "") for a in audits) and "field=ID_NUMBER" in (audits[1].detail or "")
    assert not any(value in (a.detail or "") for a in audits for value in _plaintexts(application))

    too_short = (await compliance.ok(REVEAL, {"input": {"submissionId": shown["id"], "field": "ADDRESS", "reason": "because"}}))
    assert _codes(too_short["kycReveal"]) == ["VALIDATION"] and too_short["kycReveal"]["value"] is None
    absent = (await compliance.ok(REVEAL, {"input": {"submissionId": shown["id"], "field": "DATE_OF_BIRTH", "reason": reason}}))
    assert _codes(absent["kycReveal"]) == ["VALIDATION"]
    for role in ("admin", "support", "analyst"):
        body = await (await staff(role)).gql(REVEAL, {"input": {"submissionId": shown["id"], "field": "ID_NUMBER", "reason": reason}})
        assert error_codes(body) == ["FORBIDDEN"] and application["idNumber"] not in str(body)
    assert error_codes(await partner.gql(REVEAL, {"input": {"submissionId": shown["id"], "field": "ID_NUMBER", "reason": reason}})) == ["FORBIDDEN"]


@pytest.mark.parametrize(("decision", "reason", "tier", "field"), [
    ("APPROVE", "fine", None, "tier"),
    ("APPROVE", "fine", 0, "tier"),
    ("APPROVE", "fine", 4, "tier"),
    ("REJECT", "no", 2, "tier"),
    ("APPROVE", "", 1, "reason"),
    ("APPROVE", "   ", 1, "reason"),
    ("APPROVE", "x" * 1001, 1, "reason"),
    ("NEEDS_INFO", "bad\x00reason", None, "reason"),
])
async def test_a_malformed_review_changes_nothing(clients: ApiClientFactory, compliance, decision, reason, tier, field):
    partner = await clients.partner()
    customer_id, submission_id, _ = await submitted(partner)
    payload = await _review(compliance, submission_id, decision, reason=reason, tier=tier)
    assert _codes(payload) == ["VALIDATION"] and payload["userErrors"][0]["field"] == [field], payload
    assert await _standing(partner, customer_id) == ("PENDING", 0)
    assert (await KycSubmission.get(id=object_uuid(submission_id))).status.value == "PENDING"
    assert [t for t, _ in await _events(submission_id)] == ["kyc.submitted"]


async def test_reviewing_an_unknown_submission_is_not_found(compliance):
    payload = await _review(compliance, random_global_id("KycSubmission"), "APPROVE", tier=1)
    assert _codes(payload) == ["NOT_FOUND"]
    payload = await _review(compliance, "not-a-global-id", "APPROVE", tier=1)
    assert _codes(payload) == ["NOT_FOUND"]


SCREENING = "query($id: ID!) { kycSubmission(id: $id) { id screening { hit scoreBps score listId entryId party } } }"


async def test_a_watchlist_hit_at_submission_holds_the_customer_and_only_staff_see_it(
        clients: ApiClientFactory, compliance, tmp_path):
    partner = await clients.partner()
    customer = await partner.create_customer(kind="BUSINESS", kyc_tier=None)
    application = business(customer["id"])
    owner = application["business"]["beneficialOwners"][1]
    list_id = next_id("QA-KYC-LIST")
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(f"list_id,name,aliases,date_of_birth,country\n{list_id},{owner['legalName']},,{owner['dateOfBirth']},\n")
    await load_watchlist_csv(csv_file)
    try:
        payload = await submit(partner, application)
    finally:
        await remove_watchlists([list_id])
    assert payload["userErrors"] == [], payload
    submission_id = payload["submission"]["id"]
    seen = (await compliance.ok(SCREENING, {"id": submission_id}))["kycSubmission"]["screening"]
    assert (seen["hit"], seen["listId"], seen["party"]) == (True, list_id, "beneficialOwners.1")
    assert seen["scoreBps"] > 0 and seen["entryId"]
    # One scale for screening scores, that of the threshold: 0 to 1 (scoreBps, deprecated, still answers).
    assert 0 < seen["score"] <= 1 and seen["score"] == seen["scoreBps"] / 10_000
    stored = await Customer.get(id=object_uuid(customer["id"]))
    assert stored.screening_status == ScreeningStatus.HOLD and stored.kyc_status.value == "PENDING"
    alert = await AmlAlert.get(customer_id=stored.id, rule="SANCTIONS_SCREENING")
    assert alert.status == "OPEN"
    # The partner learns nothing of the hit (no tipping-off).
    body = await partner.gql(SCREENING, {"id": submission_id})
    assert error_codes(body) == ["FORBIDDEN"] and list_id not in str(body)
    clear = await submit(partner, individual((await partner.create_customer(kyc_tier=None))["id"]))
    assert clear["userErrors"] == []
    unscreened = (await compliance.ok(SCREENING, {"id": clear["submission"]["id"]}))["kycSubmission"]["screening"]
    assert unscreened is None or unscreened["hit"] is False
