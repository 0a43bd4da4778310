"""PII at rest: after a submission no table holds a submitted identity value in clear, and an altered
ciphertext is refused without leaking anything."""

from __future__ import annotations

import json

from tortoise import connections

from models import AuditEvent, KycSubmission
from services.db.sql import execute, fetch, is_postgres
from tests.api.kyc_support import ONE, REVEAL, business, submit
from tests.api.staff_support import StaffFactory, staff  # noqa: F401 - fixture
from tests.api.support import assert_no_leak, error_codes, object_uuid
from tests.factories import ApiClientFactory


async def _every_row_as_text() -> str:
    """Every row of every table of the database, as text."""
    conn = connections.get("default")
    if is_postgres(conn):
        tables = [r["table_name"] for r in await fetch(
            conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", [])]
        rows = []
        for table in tables:
            rows += [r["row"] for r in await fetch(conn, f'SELECT row_to_json(t)::text AS row FROM "{table}" t', [])]
        return "\n".join(rows)
    tables = [r["name"] for r in await fetch(conn, "SELECT name FROM sqlite_master WHERE type = 'table'", [])]
    rows = []
    for table in tables:
        rows += [json.dumps(list(r.values()), default=str, ensure_ascii=False) for r in await fetch(conn, f'SELECT * FROM "{table}"', [])]
    return "\n".join(rows)


def _secrets(application: dict) -> list[str]:
    owners = application["business"]["beneficialOwners"]
    return [application["legalName"], application["idNumber"], application["address"], application["business"]["companyName"],
            application["business"]["registrationNumber"], *[o["legalName"] for o in owners], *[o["dateOfBirth"] for o in owners]]


async def test_no_table_holds_a_submitted_identity_value_in_clear(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(kind="BUSINESS", displayName="Shop 17", kyc_tier=None)
    application = business(customer["id"], dateOfBirth="1944-09-17")
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    dump = await _every_row_as_text()
    assert "pii1.dk_" in dump, "the dump does see the encrypted columns"
    for value in [*_secrets(application), application["dateOfBirth"]]:
        assert value not in dump, f"{value!r} is stored in clear"
        assert value not in json.dumps(payload), f"{value!r} is shown unmasked"


async def test_a_ciphertext_moved_to_another_row_does_not_decrypt(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    ids = []
    for _ in range(2):
        customer = await partner.create_customer(kind="BUSINESS", kyc_tier=None)
        payload = await submit(partner, business(customer["id"]))
        assert payload["userErrors"] == [], payload
        ids.append(payload["submission"]["id"])
    first, second = [await KycSubmission.get(id=object_uuid(i)) for i in ids]
    # The same column of another row: both are valid ciphertexts under the same key.
    await KycSubmission.filter(id=second.id).update(id_number_enc=first.id_number_enc)
    try:
        compliance = await staff("compliance")
        body = await compliance.gql(REVEAL, {"input": {"submissionId": ids[1], "field": "ID_NUMBER",
                                                       "reason": "checking a copied ciphertext"}})
        assert body["data"]["kycReveal"]["value"] is None
        assert [e["code"] for e in body["data"]["kycReveal"]["userErrors"]] == ["PII_INTEGRITY"]
    finally:
        await KycSubmission.filter(id=second.id).update(id_number_enc=second.id_number_enc)


def _flip_one_character(token: str) -> str:
    """The token with one character of its ciphertext changed to another base64url character."""
    position = len(token) - 20
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1:]


async def test_an_altered_ciphertext_is_refused_without_leaking_and_the_reveal_is_audited(clients: ApiClientFactory,
                                                                                          staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    customer = await partner.create_customer(kind="BUSINESS", kyc_tier=None)
    application = business(customer["id"], dateOfBirth="1949-03-08")
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    submission_id = payload["submission"]["id"]
    compliance = await staff("compliance")
    reason = "Verifying identity after a customer complaint"
    revealed = (await compliance.ok(REVEAL, {"input": {"submissionId": submission_id, "field": "LEGAL_NAME", "reason": reason}}))
    assert revealed["kycReveal"]["value"] == application["legalName"]

    row = await KycSubmission.get(id=object_uuid(submission_id))
    original = row.legal_name_enc
    conn = connections.get("default")
    await execute(conn, "UPDATE kyc_submission SET legal_name_enc = $1 WHERE id = $2", [_flip_one_character(original), row.id])
    try:
        response = await compliance.raw(REVEAL, {"input": {"submissionId": submission_id, "field": "LEGAL_NAME",
                                                           "reason": reason}})
        text = response.text
        body = response.json()
        assert body["data"]["kycReveal"]["value"] is None
        assert [e["code"] for e in body["data"]["kycReveal"]["userErrors"]] == ["PII_INTEGRITY"]
        for value in _secrets(application):
            assert value not in text
        assert original not in text
        assert_no_leak(text)
        # Readers of the masked view get a field error on that one value, the rest of the submission intact.
        read = await partner.raw(ONE, {"id": submission_id})
        read_body = read.json()
        assert error_codes(read_body) == ["PII_INTEGRITY"]
        assert read_body["data"]["kycSubmission"]["legalName"] is None
        assert read_body["data"]["kycSubmission"]["idNumber"].startswith("••••••")
        assert application["legalName"] not in read.text
        assert_no_leak(read.text)
    finally:
        await execute(conn, "UPDATE kyc_submission SET legal_name_enc = $1 WHERE id = $2", [original, row.id])

    # Both reveals are in the audit trail with field and reason (a refused one names the submission in its detail).
    audits = await AuditEvent.filter(operation="kycReveal", detail__contains=f'submission="{submission_id}" ').order_by("id")
    assert [a.outcome for a in audits] == ["OK", "PII_INTEGRITY"]
    assert audits[0].object_id == str(row.id)
    for audit in audits:
        assert reason in (audit.detail or "") and "field=LEGAL_NAME" in (audit.detail or "")
        assert application["legalName"] not in (audit.detail or "")
