"""KYC through the API for tests: valid applications, the operations' documents, and a submit in one call."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from tests.factories import GraphQLClient, next_id

SUBMISSION_FIELDS = (
    "id status subjectKind nationality idType legalName dateOfBirth idNumber address tierGranted reviewReason"
    " submittedAt reviewedAt documents { type sha256 fileName }"
    " business { companyName registrationNumber incorporationCountry incorporationDate"
    " beneficialOwners { legalName dateOfBirth nationality ownershipBps } }"
)
ERRORS = "userErrors { code message field }"
SUBMIT = (f"mutation($input: KycSubmitInput!) {{ kycSubmit(input: $input) {{ submission {{ {SUBMISSION_FIELDS} }} {ERRORS} }} }}")
REVIEW = (f"mutation($input: KycReviewInput!) {{ kycReview(input: $input) {{ submission {{ id status tierGranted reviewReason }}"
          f" {ERRORS} }} }}")
REVEAL = (f"mutation($input: KycRevealInput!) {{ kycReveal(input: $input) {{ field value submission {{ id }} {ERRORS} }} }}")
ONE = f"query($id: ID!) {{ kycSubmission(id: $id) {{ {SUBMISSION_FIELDS} }} }}"
LIST = ("query($status: KycStatus, $customerId: ID, $first: Int, $after: String) { kycSubmissions(status: $status,"
        " customerId: $customerId, first: $first, after: $after) { nodes { id status legalName }"
        " pageInfo { hasNextPage endCursor } } }")


def document(kind: str = "PASSPORT") -> dict[str, str]:
    """A document fingerprint (a real SHA-256 of a made-up file)."""
    name = next_id("doc")
    return {"type": kind, "sha256": hashlib.sha256(name.encode()).hexdigest(), "fileName": f"{name}.pdf"}


def individual(customer_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid individual application; every PII value unique to this call."""
    n = next_id("p")
    return {
        "customerId": customer_id, "legalName": f"Quillon Ardeveld {n}", "dateOfBirth": "1961-07-23",
        "nationality": "CN", "idType": "PASSPORT", "idNumber": f"EQ{n.replace('-', '')}7",
        "address": f"{n} Lantern Alley, Suzhou", "documents": [document()], **overrides,
    }


def business(customer_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid business application with two beneficial owners."""
    n = next_id("b")
    return {
        "customerId": customer_id, "legalName": f"Orrery Lantern Trading {n}", "nationality": "CN",
        "idType": "COMPANY_REGISTRATION", "idNumber": f"91320500{n.replace('-', '')}X", "address": f"{n} Harbour Road, Ningbo",
        "documents": [document("COMPANY_REGISTRATION")],
        "business": {
            "companyName": f"Orrery Lantern Trading {n} Ltd", "registrationNumber": f"REG{n.replace('-', '')}",
            "incorporationCountry": "CN", "incorporationDate": "2011-03-14",
            "beneficialOwners": [
                {"legalName": f"Ysolde Marchetti {n}", "dateOfBirth": "1958-11-02", "nationality": "IT", "ownershipBps": 6000},
                {"legalName": f"Tobiah Okonkwo {n}", "dateOfBirth": "1972-05-30", "nationality": "NG", "ownershipBps": 2500},
            ],
        },
        **overrides,
    }


def with_change(application: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    """A deep copy of the application with one value replaced (or removed, for value=...)."""
    changed = copy.deepcopy(application)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


async def submit(partner: GraphQLClient, application: dict[str, Any]) -> dict[str, Any]:
    """kycSubmit; returns the payload (submission and userErrors)."""
    return (await partner.ok(SUBMIT, {"input": application}))["kycSubmit"]


async def submitted(partner: GraphQLClient, kind: str = "INDIVIDUAL") -> tuple[str, str, dict[str, Any]]:
    """A new customer with a PENDING submission: (customer id, submission id, application)."""
    customer = await partner.create_customer(kind=kind, kyc_tier=None)
    application = (business if kind == "BUSINESS" else individual)(customer["id"])
    payload = await submit(partner, application)
    assert payload["userErrors"] == [], payload
    return customer["id"], payload["submission"]["id"], application


# --- targets for the permission matrix (tests/api/test_permission_matrix.py) ---

_world_submissions: dict[str, str] = {}


async def world_submission(partner: GraphQLClient, customer_id: str, known_ids: set[str]) -> str:
    """The one submission of the matrix world's customer (made on first use); its id joins the ids B must not see."""
    if customer_id not in _world_submissions:
        payload = await submit(partner, individual(customer_id))
        assert payload["userErrors"] == [], payload
        _world_submissions[customer_id] = payload["submission"]["id"]
    known_ids.add(_world_submissions[customer_id])
    return _world_submissions[customer_id]


async def fresh_application(partner: GraphQLClient) -> dict[str, Any]:
    """A valid application for a new customer of the partner (nothing pending yet)."""
    return individual((await partner.create_customer(kyc_tier=None))["id"])


async def fresh_pending(partner: GraphQLClient) -> str:
    """The id of a new PENDING submission of a new customer of the partner."""
    return (await submitted(partner))[1]
