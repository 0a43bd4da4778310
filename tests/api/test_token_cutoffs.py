"""Access gaps, over HTTP: a reactivated partner's old tokens stay dead, and a rotated
secret takes the client's earlier tokens with it (at once, or when its grace period ends).

Tokens come from the real POST /oauth/token and customerTokenCreate; the admin
acts through GraphQL; every check is the next request's HTTP status.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from models import ApiClient, AuditEvent
from schema.common.relay import to_global_id
from services.token_liveness import forget_live_tokens
from tests.api.staff_support import StaffClient, customer_session, staff, viewer_status  # noqa: F401 - fixture
from tests.api.support import object_uuid
from tests.factories import ApiClientFactory, GraphQLClient

PAYLOAD = "userErrors { code message field }"
SUSPEND = f"mutation($input: PartnerStatusInput!) {{ partnerSuspend(input: $input) {{ partner {{ status }} {PAYLOAD} }} }}"
REACTIVATE = (
    f"mutation($input: PartnerStatusInput!) {{ partnerReactivate(input: $input) {{ partner {{ status }} {PAYLOAD} }} }}"
)
ROTATE = (
    "mutation($input: ApiClientInput!) { apiClientRotateSecret(input: $input) {"
    f" apiClient {{ id clientId rotationGraceEndsAt }} clientSecret {PAYLOAD} }} }}"
)
REVOKE = f"mutation($input: ApiClientInput!) {{ apiClientRevoke(input: $input) {{ apiClient {{ status rotationGraceEndsAt }} {PAYLOAD} }} }}"
CLIENTS = (
    "query($after: String) { partners(first: 100, after: $after) {"
    " nodes { apiClients { id rotationGraceEndsAt } } pageInfo { hasNextPage endCursor } } }"
)


async def _mutate(admin: StaffClient, document: str, values: dict[str, Any]) -> dict[str, Any]:
    data = await admin.ok(document, {"input": values})
    return next(iter(data.values()))


async def _oauth(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                 "client_secret": secret})


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await _oauth(http, client_id, secret)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def _listed_clients(admin: StaffClient) -> dict[str, dict[str, Any]]:
    """Every API client as `partners { apiClients }` lists it, by global ID."""
    found: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = (await admin.ok(CLIENTS, {"after": after}))["partners"]
        found |= {client["id"]: client for partner in page["nodes"] for client in partner["apiClients"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def _partner(clients: ApiClientFactory) -> tuple[GraphQLClient, str, GraphQLClient]:
    """A partner session, its API client's global ID, and a customer token it minted."""
    partner = await clients.partner()
    row = await ApiClient.get(client_id=partner.client_id)
    customer = await partner.create_customer()
    frontend = await customer_session(partner, customer["id"], ["customers:read"])
    return partner, to_global_id("ApiClient", row.id), frontend


# --- item 1 ----------------------------------------------------------------------


async def test_reactivating_a_partner_does_not_revive_its_tokens_from_before_the_suspension(staff, http, clients):
    admin = await staff("admin")
    partner, _, frontend = await _partner(clients)
    partner_gid = to_global_id("Partner", uuid.UUID(partner.partner_id))
    assert await viewer_status(http, partner.token) == 200 and await viewer_status(http, frontend.token) == 200

    suspended = await _mutate(admin, SUSPEND, {"partnerId": partner_gid, "reason": "unpaid invoices"})
    assert suspended["userErrors"] == [] and suspended["partner"]["status"] == "SUSPENDED"
    assert await viewer_status(http, partner.token) == 401 and await viewer_status(http, frontend.token) == 401
    reactivated = await _mutate(admin, REACTIVATE, {"partnerId": partner_gid, "reason": "paid"})
    assert reactivated["userErrors"] == [] and reactivated["partner"]["status"] == "ACTIVE"

    # Issued before the suspension: refused for good, the partner's own and the customer token it delegated.
    assert await viewer_status(http, partner.token) == 401
    assert await viewer_status(http, frontend.token) == 401
    # New tokens work, and so do the customer tokens minted with them.
    fresh = GraphQLClient(http=http, token=await _token(http, partner.client_id, partner.client_secret),
                          partner_id=partner.partner_id, client_id=partner.client_id)
    assert await viewer_status(http, fresh.token) == 200
    customers = (await fresh.ok("{ customers(first: 5) { nodes { id } } }"))["customers"]["nodes"]
    new_frontend = await customer_session(fresh, customers[0]["id"], ["customers:read"])
    assert await viewer_status(http, new_frontend.token) == 200


# --- item 2 ----------------------------------------------------------------------


async def test_rotating_without_grace_refuses_the_clients_earlier_tokens_at_once(staff, http, clients):
    admin = await staff("admin")
    partner, client_gid, frontend = await _partner(clients)
    rotated = await _mutate(admin, ROTATE, {"apiClientId": client_gid})
    assert rotated["userErrors"] == [] and rotated["apiClient"]["rotationGraceEndsAt"] is None
    for token in (partner.token, frontend.token):
        assert await viewer_status(http, token) == 401
    assert (await _oauth(http, partner.client_id, partner.client_secret)).status_code == 401
    fresh = await _token(http, partner.client_id, rotated["clientSecret"])
    assert await viewer_status(http, fresh) == 200


async def test_rotating_with_grace_keeps_the_old_secret_and_tokens_until_it_ends(staff, http, clients):
    admin = await staff("admin")
    partner, client_gid, frontend = await _partner(clients)
    rotated = await _mutate(admin, ROTATE, {"apiClientId": client_gid, "graceSeconds": 120})
    assert rotated["userErrors"] == [], rotated
    ends_at = rotated["apiClient"]["rotationGraceEndsAt"]
    assert ends_at is not None
    # During the grace period: the old secret still gets tokens, each expiring by its end; old tokens still work.
    for token in (partner.token, frontend.token):
        assert await viewer_status(http, token) == 200
    old = await _oauth(http, partner.client_id, partner.client_secret)
    assert old.status_code == 200 and 110 <= old.json()["expires_in"] <= 120, old.text
    new = await _oauth(http, partner.client_id, rotated["clientSecret"])
    assert new.status_code == 200 and new.json()["expires_in"] == 600
    assert (await _listed_clients(admin))[client_gid]["rotationGraceEndsAt"] == ends_at
    audit = await AuditEvent.filter(operation="apiClientRotateSecret", object_id=str(object_uuid(client_gid))).first()
    assert audit is not None and audit.outcome == "OK" and audit.detail == "graceSeconds=120"

    # The grace period ends (as if 120 s had passed): the old secret and every token from before stop.
    # (Nothing announces the end: a worker may remember a live answer for up to 2 s more.)
    await ApiClient.filter(id=object_uuid(client_gid)).update(previous_secret_expires_s=int(time.time()))
    forget_live_tokens()
    for token in (partner.token, frontend.token):
        assert await viewer_status(http, token) == 401
    assert (await _oauth(http, partner.client_id, partner.client_secret)).status_code == 401
    assert await viewer_status(http, new.json()["access_token"]) == 200
    after = await _mutate(admin, REVOKE, {"apiClientId": client_gid})
    assert after["apiClient"] == {"status": "REVOKED", "rotationGraceEndsAt": None}


async def test_revoking_a_client_during_a_grace_period_stops_both_secrets_and_every_token(staff, http, clients):
    admin = await staff("admin")
    partner, client_gid, frontend = await _partner(clients)
    rotated = await _mutate(admin, ROTATE, {"apiClientId": client_gid, "graceSeconds": 3600})
    during = await _token(http, partner.client_id, partner.client_secret)
    revoked = await _mutate(admin, REVOKE, {"apiClientId": client_gid})
    assert revoked["userErrors"] == [] and revoked["apiClient"]["status"] == "REVOKED"
    for token in (partner.token, frontend.token, during):
        assert await viewer_status(http, token) == 401
    for secret in (partner.client_secret, rotated["clientSecret"]):
        assert (await _oauth(http, partner.client_id, secret)).status_code == 401


@pytest.mark.parametrize("grace", [-1, 86_401, 2_147_483_647])
async def test_a_grace_period_outside_zero_to_a_day_is_refused_and_nothing_changes(staff, http, clients, grace):
    admin = await staff("admin")
    partner, client_gid, _ = await _partner(clients)
    before = await ApiClient.get(id=object_uuid(client_gid))
    response = await admin.raw(ROTATE, {"input": {"apiClientId": client_gid, "graceSeconds": grace}})
    payload = response.json()["data"]["apiClientRotateSecret"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", ["graceSeconds"])]
    assert payload["clientSecret"] is None and payload["apiClient"] is None
    after = await ApiClient.get(id=object_uuid(client_gid))
    assert (after.secret_hash, after.previous_secret_hash, after.min_token_iat_s) == (before.secret_hash, None, None)
    assert await viewer_status(http, partner.token) == 200
    audit = await AuditEvent.filter(operation="apiClientRotateSecret", actor_id=str(admin.staff_id)).order_by("-id").first()
    assert audit is not None and audit.outcome == "VALIDATION"


async def test_a_null_grace_period_is_no_grace_period(staff, http, clients):
    admin = await staff("admin")
    partner, client_gid, _ = await _partner(clients)
    rotated = await _mutate(admin, ROTATE, {"apiClientId": client_gid, "graceSeconds": None})
    assert rotated["userErrors"] == [] and rotated["apiClient"]["rotationGraceEndsAt"] is None
    assert await viewer_status(http, partner.token) == 401


@pytest.mark.parametrize("role", ["compliance", "support", "analyst"])
async def test_only_admins_rotate_with_grace(staff, http, clients, role):
    caller = await staff(role)
    partner, client_gid, _ = await _partner(clients)
    before = await ApiClient.get(id=object_uuid(client_gid))
    body = await caller.gql(ROTATE, {"input": {"apiClientId": client_gid, "graceSeconds": 60}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await ApiClient.get(id=object_uuid(client_gid))).secret_hash == before.secret_hash
    assert await viewer_status(http, partner.token) == 200
