"""A bank admin runs partners and their API clients over GraphQL.

Secrets are shown once and work at /oauth/token; narrower clients get narrower
tokens; a rotated secret, a revoked client or a suspended partner is refused at
the very next request, even with tokens issued before; and every one of these
actions, refused or not, leaves an audit row naming the admin and the request.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from auth.scopes import PARTNER_SCOPES
from models import ApiClient, Partner
from schema.build import schema as api_schema
from schema.common.relay import to_global_id
from tests.api.staff_support import StaffClient, customer_session, staff, viewer_status  # noqa: F401 - fixture
from tests.api.support import object_uuid, random_global_id
from tests.factories import GraphQLClient, next_id

PAYLOAD = "userErrors { code message field }"
CLIENT = "apiClient { id clientId scopes status createdAt }"
PARTNER_CREATE = (
    f"mutation($input: PartnerCreateInput!) {{ partnerCreate(input: $input) {{"
    f" partner {{ id name status }} {CLIENT} clientSecret {PAYLOAD} }} }}"
)
CLIENT_CREATE = (
    f"mutation($input: ApiClientCreateInput!) {{ apiClientCreate(input: $input) {{ {CLIENT} clientSecret {PAYLOAD} }} }}"
)
ROTATE = f"mutation($input: ApiClientInput!) {{ apiClientRotateSecret(input: $input) {{ {CLIENT} clientSecret {PAYLOAD} }} }}"
REVOKE_CLIENT = f"mutation($input: ApiClientInput!) {{ apiClientRevoke(input: $input) {{ {CLIENT} {PAYLOAD} }} }}"
SUSPEND = f"mutation($input: PartnerStatusInput!) {{ partnerSuspend(input: $input) {{ partner {{ id status }} {PAYLOAD} }} }}"
REACTIVATE = (
    f"mutation($input: PartnerStatusInput!) {{ partnerReactivate(input: $input) {{ partner {{ id status }} {PAYLOAD} }} }}"
)
AUDIT = (
    "query($actor: String, $op: String) { auditEvents(first: 50, actorId: $actor, operation: $op) {"
    " nodes { actorKind actorId operation objectType objectId outcome detail requestId partnerId } } }"
)


# --- helpers --------------------------------------------------------------------


async def _call(admin: StaffClient, document: str, values: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run one mutation; return its payload and the request id the API answered with."""
    response = await admin.raw(document, {"input": values})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return next(iter(body["data"].values())), response.headers["x-request-id"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _oauth(http: httpx.AsyncClient, client_id: str, secret: str, scope: str | None = None) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        form["scope"] = scope
    return await http.post("/oauth/token", data=form)


async def _session(http: httpx.AsyncClient, partner_gid: str, client_id: str, secret: str) -> GraphQLClient:
    response = await _oauth(http, client_id, secret)
    assert response.status_code == 200, response.text
    body = response.json()
    return GraphQLClient(http=http, token=body["access_token"], partner_id=str(object_uuid(partner_gid)),
                         client_id=client_id, client_secret=secret, scopes=body["scope"].split())


def _assert_invalid_client(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


async def _audit(admin: StaffClient, operation: str) -> list[dict[str, Any]]:
    """The audit rows of this admin's `operation` calls, newest first."""
    data = await admin.ok(AUDIT, {"actor": to_global_id("StaffUser", admin.staff_id), "op": operation})
    return data["auditEvents"]["nodes"]


async def _assert_audited(admin: StaffClient, operation: str, request_id: str, outcome: str,
                          object_id: str | None = None, detail: str | None = None) -> None:
    rows = [row for row in await _audit(admin, operation) if row["requestId"] == request_id]
    assert len(rows) == 1, (operation, request_id, rows)
    row = rows[0]
    assert row["actorKind"] == "staff" and row["actorId"] == to_global_id("StaffUser", admin.staff_id)
    assert row["outcome"] == outcome, row
    if object_id is not None:
        assert row["objectId"] == object_id, row
    if detail is not None:
        assert row["detail"] == detail, row


async def _new_partner(admin: StaffClient, scopes: list[str] | None = None) -> tuple[dict[str, Any], str]:
    payload, request_id = await _call(admin, PARTNER_CREATE, {"name": next_id("admin-partner"), "scopes": scopes})
    assert payload["userErrors"] == [], payload
    return payload, request_id


# --- partnerCreate ----------------------------------------------------------------


async def test_partner_create_shows_the_secret_once_and_it_works_at_the_token_endpoint(staff, http):
    admin = await staff("admin")
    name = next_id("admin-partner")
    payload, request_id = await _call(admin, PARTNER_CREATE, {"name": name})
    assert payload["userErrors"] == [], payload
    assert payload["partner"]["name"] == name and payload["partner"]["status"] == "ACTIVE"
    client = payload["apiClient"]
    assert client["status"] == "ACTIVE" and sorted(client["scopes"]) == sorted(PARTNER_SCOPES)
    secret = payload["clientSecret"]
    assert isinstance(secret, str) and len(secret) >= 32

    session = await _session(http, payload["partner"]["id"], client["clientId"], secret)
    assert session.scopes == sorted(PARTNER_SCOPES)
    viewer = (await session.ok("{ viewer { kind clientId partner { id } } }"))["viewer"]
    assert viewer == {"kind": "partner", "clientId": client["clientId"], "partner": {"id": payload["partner"]["id"]}}

    # Stored as an argon2id hash only; no type of the API can show it again.
    row = await ApiClient.get(client_id=client["clientId"])
    assert row.secret_hash.startswith("$argon2id$") and secret not in row.secret_hash
    for type_name in ("ApiClient", "Partner"):
        fields = set(api_schema._schema.type_map[type_name].fields)
        assert not {f for f in fields if "secret" in f.lower() or "hash" in f.lower()}, fields
    await _assert_audited(admin, "partnerCreate", request_id, "OK", object_id=payload["partner"]["id"])


async def test_partner_create_refuses_bad_input_and_audits_the_refusal(staff):
    admin = await staff("admin")
    partners_before = await Partner.all().count()
    for values, field in (({"name": "   "}, "name"), ({"name": "x" * 201}, "name"),
                          ({"name": next_id("p"), "scopes": ["wallets:read", "partners:write"]}, "scopes")):
        payload, request_id = await _call(admin, PARTNER_CREATE, values)
        assert _codes(payload) == ["VALIDATION"] and payload["userErrors"][0]["field"] == [field], payload
        assert payload["partner"] is None and payload["clientSecret"] is None
        await _assert_audited(admin, "partnerCreate", request_id, "VALIDATION")
    assert await Partner.all().count() == partners_before


# --- API clients -------------------------------------------------------------------


async def test_api_client_create_with_narrower_scopes_gets_only_those(staff, http):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin)
    payload, request_id = await _call(
        admin, CLIENT_CREATE, {"partnerId": partner["partner"]["id"], "scopes": ["wallets:read", "customers:read"]}
    )
    assert payload["userErrors"] == [], payload
    client, secret = payload["apiClient"], payload["clientSecret"]
    assert client["scopes"] == ["customers:read", "wallets:read"] and client["clientId"] != partner["apiClient"]["clientId"]
    await _assert_audited(admin, "apiClientCreate", request_id, "OK", object_id=client["id"])

    session = await _session(http, partner["partner"]["id"], client["clientId"], secret)
    assert session.scopes == ["customers:read", "wallets:read"]
    assert (await session.ok("{ viewer { scopes } }"))["viewer"]["scopes"] == ["customers:read", "wallets:read"]
    wider = await _oauth(http, client["clientId"], secret, scope="wallets:read transactions:write")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    body = await session.gql('mutation { customerCreate(input: {externalRef: "n", kind: INDIVIDUAL, displayName: "N",'
                             ' country: "CN"}) { customer { id } } }')
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    unknown, request_id = await _call(admin, CLIENT_CREATE, {"partnerId": partner["partner"]["id"], "scopes": ["root"]})
    assert _codes(unknown) == ["VALIDATION"] and unknown["clientSecret"] is None
    await _assert_audited(admin, "apiClientCreate", request_id, "VALIDATION")


async def test_rotating_a_secret_stops_the_old_one_at_once(staff, http):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin)
    client, old_secret = partner["apiClient"], partner["clientSecret"]
    assert (await _oauth(http, client["clientId"], old_secret)).status_code == 200
    payload, request_id = await _call(admin, ROTATE, {"apiClientId": client["id"]})
    assert payload["userErrors"] == [], payload
    new_secret = payload["clientSecret"]
    assert new_secret and new_secret != old_secret and payload["apiClient"]["clientId"] == client["clientId"]
    _assert_invalid_client(await _oauth(http, client["clientId"], old_secret))
    assert (await _oauth(http, client["clientId"], new_secret)).status_code == 200
    await _assert_audited(admin, "apiClientRotateSecret", request_id, "OK", object_id=client["id"])


async def test_revoking_a_client_refuses_its_tokens_at_the_next_request(staff, http):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin)
    partner_gid = partner["partner"]["id"]
    doomed = await _session(http, partner_gid, partner["apiClient"]["clientId"], partner["clientSecret"])
    customer = await doomed.create_customer()
    doomed_frontend = await customer_session(doomed, customer["id"], ["customers:read"])
    second, _ = await _call(admin, CLIENT_CREATE, {"partnerId": partner_gid})
    survivor = await _session(http, partner_gid, second["apiClient"]["clientId"], second["clientSecret"])
    for token in (doomed.token, doomed_frontend.token, survivor.token):
        assert await viewer_status(http, token) == 200

    payload, request_id = await _call(admin, REVOKE_CLIENT, {"apiClientId": partner["apiClient"]["id"]})
    assert payload["userErrors"] == [] and payload["apiClient"]["status"] == "REVOKED", payload
    await _assert_audited(admin, "apiClientRevoke", request_id, "OK",
                          object_id=partner["apiClient"]["id"])
    # Tokens issued before the revocation, including customer tokens it minted: refused now.
    assert await viewer_status(http, doomed.token) == 401
    assert await viewer_status(http, doomed_frontend.token) == 401
    _assert_invalid_client(await _oauth(http, partner["apiClient"]["clientId"], partner["clientSecret"]))
    # The partner's other client is untouched.
    assert await viewer_status(http, survivor.token) == 200
    assert (await survivor.ok("{ customers { nodes { id } } }"))["customers"]["nodes"] == [{"id": customer["id"]}]

    again, request_id = await _call(admin, REVOKE_CLIENT, {"apiClientId": partner["apiClient"]["id"]})
    assert _codes(again) == ["VALIDATION"] and again["apiClient"] is None
    await _assert_audited(admin, "apiClientRevoke", request_id, "VALIDATION")
    rotate, request_id = await _call(admin, ROTATE, {"apiClientId": partner["apiClient"]["id"]})
    assert _codes(rotate) == ["VALIDATION"] and rotate["clientSecret"] is None
    await _assert_audited(admin, "apiClientRotateSecret", request_id, "VALIDATION")
    _assert_invalid_client(await _oauth(http, partner["apiClient"]["clientId"], partner["clientSecret"]))


# --- suspending partners -------------------------------------------------------------


async def test_suspending_a_partner_refuses_every_token_until_it_is_reactivated(staff, http):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin)
    partner_gid = partner["partner"]["id"]
    first = await _session(http, partner_gid, partner["apiClient"]["clientId"], partner["clientSecret"])
    second_payload, _ = await _call(admin, CLIENT_CREATE, {"partnerId": partner_gid, "scopes": ["wallets:read"]})
    second = await _session(http, partner_gid, second_payload["apiClient"]["clientId"], second_payload["clientSecret"])
    customer = await first.create_customer()
    frontend = await customer_session(first, customer["id"], ["customers:read"])
    credentials = [(partner["apiClient"]["clientId"], partner["clientSecret"]),
                   (second_payload["apiClient"]["clientId"], second_payload["clientSecret"])]
    bystander, _ = await _new_partner(admin)
    bystander_session = await _session(http, bystander["partner"]["id"], bystander["apiClient"]["clientId"],
                                       bystander["clientSecret"])

    reason = "contract paused " + next_id("reason")
    payload, request_id = await _call(admin, SUSPEND, {"partnerId": partner_gid, "reason": reason})
    assert payload["userErrors"] == [] and payload["partner"] == {"id": partner_gid, "status": "SUSPENDED"}
    await _assert_audited(admin, "partnerSuspend", request_id, "OK", object_id=partner_gid,
                          detail=reason)
    for token in (first.token, second.token, frontend.token):
        assert await viewer_status(http, token) == 401
    for client_id, secret in credentials:
        _assert_invalid_client(await _oauth(http, client_id, secret))
    assert await viewer_status(http, bystander_session.token) == 200

    twice, request_id = await _call(admin, SUSPEND, {"partnerId": partner_gid, "reason": reason})
    assert _codes(twice) == ["VALIDATION"] and twice["partner"] is None
    await _assert_audited(admin, "partnerSuspend", request_id, "VALIDATION")
    assert (await Partner.get(id=object_uuid(partner_gid))).status == "SUSPENDED"

    payload, request_id = await _call(admin, REACTIVATE, {"partnerId": partner_gid, "reason": "contract resumed"})
    assert payload["userErrors"] == [] and payload["partner"]["status"] == "ACTIVE"
    await _assert_audited(admin, "partnerReactivate", request_id, "OK", object_id=partner_gid)
    for client_id, secret in credentials:
        session = await _session(http, partner_gid, client_id, secret)
        assert await viewer_status(http, session.token) == 200
    renewed = await _session(http, partner_gid, *credentials[0])
    assert (await renewed.ok("{ customers { nodes { id } } }"))["customers"]["nodes"] == [{"id": customer["id"]}]

    again, request_id = await _call(admin, REACTIVATE, {"partnerId": partner_gid, "reason": "again"})
    assert _codes(again) == ["VALIDATION"]
    await _assert_audited(admin, "partnerReactivate", request_id, "VALIDATION")


async def test_a_status_change_needs_a_reason(staff):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin)
    for reason in ("", "   ", "x" * 501):
        payload, request_id = await _call(admin, SUSPEND, {"partnerId": partner["partner"]["id"], "reason": reason})
        assert _codes(payload) == ["VALIDATION"] and payload["userErrors"][0]["field"] == ["reason"], payload
        await _assert_audited(admin, "partnerSuspend", request_id, "VALIDATION")
    assert (await Partner.get(id=object_uuid(partner["partner"]["id"]))).status == "ACTIVE"


@pytest.mark.parametrize(
    ("document", "key", "type_name"),
    [(SUSPEND, "partnerId", "Partner"), (REACTIVATE, "partnerId", "Partner"), (CLIENT_CREATE, "partnerId", "Partner"),
     (ROTATE, "apiClientId", "ApiClient"), (REVOKE_CLIENT, "apiClientId", "ApiClient")],
    ids=["partnerSuspend", "partnerReactivate", "apiClientCreate", "apiClientRotateSecret", "apiClientRevoke"],
)
async def test_unknown_ids_are_not_found(staff, document, key, type_name):
    admin = await staff("admin")
    customer_gid = to_global_id("Customer", uuid.uuid4())  # a well-formed ID of another type
    counts = (await Partner.all().count(), await ApiClient.all().count(),
              await ApiClient.filter(status="REVOKED").count(), await Partner.filter(status="SUSPENDED").count())
    operation = document.split("{", 2)[1].split("(")[0].strip()
    for bad in (random_global_id(type_name), customer_gid, "not-an-id", ""):
        values: dict[str, Any] = {key: bad}
        if document in (SUSPEND, REACTIVATE):
            values["reason"] = "unknown id"
        payload, request_id = await _call(admin, document, values)
        assert _codes(payload) == ["NOT_FOUND"], (bad, payload)
        assert payload["userErrors"][0]["field"] == [key]
        await _assert_audited(admin, operation, request_id, "NOT_FOUND")
    assert counts == (await Partner.all().count(), await ApiClient.all().count(),
                      await ApiClient.filter(status="REVOKED").count(), await Partner.filter(status="SUSPENDED").count())


# --- listing -------------------------------------------------------------------------


async def _all_partners(session: StaffClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        data = await session.ok(
            "query($after: String) { partners(first: 100, after: $after) {"
            " nodes { id name status apiClients { id clientId scopes status } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )
        found += data["partners"]["nodes"]
        if not data["partners"]["pageInfo"]["hasNextPage"]:
            return found
        after = data["partners"]["pageInfo"]["endCursor"]


async def test_partners_lists_every_partner_with_its_api_clients(staff):
    admin = await staff("admin")
    partner, _ = await _new_partner(admin, scopes=["wallets:read"])
    second, _ = await _call(admin, CLIENT_CREATE, {"partnerId": partner["partner"]["id"], "scopes": ["customers:read"]})
    await _call(admin, REVOKE_CLIENT, {"apiClientId": second["apiClient"]["id"]})
    expected_clients = [
        {"id": partner["apiClient"]["id"], "clientId": partner["apiClient"]["clientId"], "scopes": ["wallets:read"],
         "status": "ACTIVE"},
        {"id": second["apiClient"]["id"], "clientId": second["apiClient"]["clientId"], "scopes": ["customers:read"],
         "status": "REVOKED"},
    ]
    for session in (admin, await staff("analyst")):
        listed = await _all_partners(session)
        assert len(listed) == await Partner.all().count()
        assert len({p["id"] for p in listed}) == len(listed), "a partner was listed twice"
        mine = [p for p in listed if p["id"] == partner["partner"]["id"]]
        assert len(mine) == 1
        assert mine[0]["status"] == "ACTIVE" and mine[0]["name"] == partner["partner"]["name"]
        assert sorted(mine[0]["apiClients"], key=lambda c: c["id"]) == sorted(expected_clients, key=lambda c: c["id"])
