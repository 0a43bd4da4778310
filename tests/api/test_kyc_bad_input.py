"""Hostile and malformed KYC submissions: each is VALIDATION on the right field, and nothing is written."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from models import Customer, DataKey, DomainEvent, KycSubmission
from schema.kyc.types import KycDocumentType, KycIdType
from services.kyc.application import BUSINESS_ID_TYPES, DOCUMENT_TYPES
from tests.api.kyc_support import business, document, individual, submit, with_change
from tests.api.support import object_uuid
from tests.factories import ApiClientFactory

TOMORROW = (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()
OWNERS = ["business", "beneficialOwners"]

INDIVIDUAL_CASES: list[tuple[str, list[Any], Any, list[str]]] = [
    ("empty name", ["legalName"], "   ", ["legalName"]),
    ("long name", ["legalName"], "N" * 201, ["legalName"]),
    ("bell in name", ["legalName"], "Ann\x07 Lee", ["legalName"]),
    ("newline in name", ["legalName"], "Ann\nLee", ["legalName"]),
    ("bidi override in name", ["legalName"], "Ann \u202eeeL", ["legalName"]),
    ("no birth date", ["dateOfBirth"], ..., ["dateOfBirth"]),
    ("blank birth date", ["dateOfBirth"], " ", ["dateOfBirth"]),
    ("30 February", ["dateOfBirth"], "1990-02-30", ["dateOfBirth"]),
    ("day-first date", ["dateOfBirth"], "12/04/1990", ["dateOfBirth"]),
    ("date with time", ["dateOfBirth"], "1990-04-12T00:00:00", ["dateOfBirth"]),
    ("born tomorrow", ["dateOfBirth"], TOMORROW, ["dateOfBirth"]),
    ("born in 2999", ["dateOfBirth"], "2999-01-01", ["dateOfBirth"]),
    ("131 years old", ["dateOfBirth"], "1850-06-01", ["dateOfBirth"]),
    ("unknown country", ["nationality"], "XX", ["nationality"]),
    ("country name", ["nationality"], "China", ["nationality"]),
    ("unknown ID type", ["idType"], "SOCIAL_SECURITY", ["idType"]),
    ("company ID for a person", ["idType"], "COMPANY_REGISTRATION", ["idType"]),
    ("empty ID number", ["idNumber"], "", ["idNumber"]),
    ("long ID number", ["idNumber"], "9" * 65, ["idNumber"]),
    ("markup in ID number", ["idNumber"], "E12<script>", ["idNumber"]),
    ("long address", ["address"], "A" * 501, ["address"]),
    ("escape in address", ["address"], "1 Road \x1b[31m", ["address"]),
    ("no documents", ["documents"], [], ["documents"]),
    ("too many documents", ["documents"], [document() for _ in range(21)], ["documents"]),
    ("short sha256", ["documents", 0, "sha256"], "abc123", ["documents", "0", "sha256"]),
    ("non-hex sha256", ["documents", 0, "sha256"], "g" * 64, ["documents", "0", "sha256"]),
    ("unknown document type", ["documents", 0, "type"], "SELFIE_VIDEO", ["documents", "0", "type"]),
    ("path as file name", ["documents", 0, "fileName"], "../../etc/passwd", ["documents", "0", "fileName"]),
    ("NUL in file name", ["documents", 0, "fileName"], "a\x00.pdf", ["documents", "0", "fileName"]),
    ("business data for a person", ["business"], business("x")["business"], ["business"]),
    # Each typed field and the deprecated string field it replaces: exactly one of them.
    ("ID type typed and as a string", ["identityDocumentType"], "PASSPORT", ["identityDocumentType"]),
    ("no ID type at all", ["idType"], ..., ["identityDocumentType"]),
    ("document type typed and as a string", ["documents", 0, "documentType"], "PASSPORT", ["documents", "0", "documentType"]),
    ("no document type at all", ["documents", 0, "type"], ..., ["documents", "0", "documentType"]),
]

BUSINESS_CASES: list[tuple[str, list[Any], Any, list[str]]] = [
    ("no business data", ["business"], ..., ["business"]),
    ("no owners", [*OWNERS], [], OWNERS),
    ("zero ownership", [*OWNERS, 0, "ownershipBps"], 0, [*OWNERS, "0", "ownershipBps"]),
    ("negative ownership", [*OWNERS, 1, "ownershipBps"], -5, [*OWNERS, "1", "ownershipBps"]),
    ("over 100%", [*OWNERS, 0, "ownershipBps"], 10001, [*OWNERS, "0", "ownershipBps"]),
    ("owners over 100% together", [*OWNERS, 1, "ownershipBps"], 4001, OWNERS),
    ("owner born tomorrow", [*OWNERS, 1, "dateOfBirth"], TOMORROW, [*OWNERS, "1", "dateOfBirth"]),
    ("owner date malformed", [*OWNERS, 0, "dateOfBirth"], "1958-11", [*OWNERS, "0", "dateOfBirth"]),
    ("owner country unknown", [*OWNERS, 0, "nationality"], "ZZ", [*OWNERS, "0", "nationality"]),
    ("owner name empty", [*OWNERS, 1, "legalName"], "", [*OWNERS, "1", "legalName"]),
    ("owner name with tab", [*OWNERS, 1, "legalName"], "Tobiah\tO", [*OWNERS, "1", "legalName"]),
    ("UK is not a code", ["business", "incorporationCountry"], "UK", ["business", "incorporationCountry"]),
    ("month 13", ["business", "incorporationDate"], "2011-13-01", ["business", "incorporationDate"]),
    ("incorporated tomorrow", ["business", "incorporationDate"], TOMORROW, ["business", "incorporationDate"]),
    ("company name with DEL", ["business", "companyName"], "Acme\x7f Ltd", ["business", "companyName"]),
    ("long registration number", ["business", "registrationNumber"], "R" * 65, ["business", "registrationNumber"]),
    ("malformed optional birth date", ["dateOfBirth"], "31-12-1970", ["dateOfBirth"]),
    ("unknown ID type", ["idType"], "TAX_NUMBER", ["idType"]),
]


async def _written(partner_id: str, customer_id: str) -> tuple[int, int, str]:
    customer = await Customer.get(id=object_uuid(customer_id))
    return (
        await KycSubmission.filter(customer_id=customer.id).count(),
        # Onboarding's own events (customer.created, wallet.opened) are not the application's.
        await DomainEvent.filter(partner_id=uuid.UUID(partner_id)).exclude(type__in=["customer.created", "wallet.opened"]).count(),
        customer.kyc_status.value,
    )


async def _refused(clients: ApiClientFactory, kind: str, path: list[Any], value: Any, field: list[str]) -> None:
    partner = await clients.partner()
    customer = await partner.create_customer(kind=kind, kyc_tier=None)
    valid = (business if kind == "BUSINESS" else individual)(customer["id"])
    before = await _written(partner.partner_id, customer["id"])
    keys_before = await DataKey.all().count()
    payload = await submit(partner, with_change(valid, path, value))
    assert payload["submission"] is None, payload
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", field)], payload
    if isinstance(value, str) and len(value.strip()) > 4:
        assert value not in payload["userErrors"][0]["message"], "the message must not repeat the value"
    assert await _written(partner.partner_id, customer["id"]) == before == (0, 0, "NONE")
    assert await DataKey.all().count() == keys_before


@pytest.mark.parametrize(("case", "path", "value", "field"), INDIVIDUAL_CASES, ids=[c[0] for c in INDIVIDUAL_CASES])
async def test_a_malformed_individual_application_writes_nothing(clients: ApiClientFactory, case, path, value, field):
    await _refused(clients, "INDIVIDUAL", path, value, field)


@pytest.mark.parametrize(("case", "path", "value", "field"), BUSINESS_CASES, ids=[c[0] for c in BUSINESS_CASES])
async def test_a_malformed_business_application_writes_nothing(clients: ApiClientFactory, case, path, value, field):
    await _refused(clients, "BUSINESS", path, value, field)


async def test_the_limits_themselves_are_accepted(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(kind="BUSINESS", kyc_tier=None)
    application = business(customer["id"], legalName="N" * 200, address="A\n" * 249 + "AB", idNumber="9" * 64,
                           dateOfBirth=None, documents=[document() for _ in range(20)])
    application["business"]["beneficialOwners"][1]["ownershipBps"] = 4000  # exactly 100% together
    application["documents"][0]["sha256"] = application["documents"][0]["sha256"].upper()
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    assert payload["submission"]["documents"][0]["sha256"] == application["documents"][0]["sha256"].lower()


async def test_a_typed_company_id_for_a_person_names_the_typed_field(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(kyc_tier=None)
    application = with_change(individual(customer["id"]), ["idType"], ...)
    payload = await submit(partner, {**application, "identityDocumentType": "COMPANY_REGISTRATION"})
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", ["identityDocumentType"])], payload
    assert await _written(partner.partner_id, customer["id"]) == (0, 0, "NONE")


def test_the_typed_enums_name_exactly_the_accepted_values():
    assert {t.value for t in KycIdType} == BUSINESS_ID_TYPES
    assert {t.value for t in KycDocumentType} == DOCUMENT_TYPES
