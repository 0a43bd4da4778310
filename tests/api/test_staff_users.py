"""Bank admins manage staff users over GraphQL: staffUsers, staffUserDeactivate, staffUserRoleSet,
and every staff member sees their own account in `viewer { staffUser }`.

Admin only (staff:read, staff:write); a deactivated user's tokens are refused
at the next request; a role change refuses the user's older tokens and the
next sign-in carries the new role; the last active admin can be neither
deactivated nor demoted (LAST_ADMIN); every call, refused or not, is audited.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from auth.roles import STAFF_ROLES
from models import AuditEvent, StaffUser
from schema.common.relay import to_global_id
from tests.api.staff_support import (  # noqa: F401 - fixture
    STAFF_PASSWORD, StaffClient, StaffFactory, customer_session, login, staff, viewer_status,
)
from tests.api.support import assert_no_leak, error_codes, object_uuid, random_global_id
from tests.integration.staff_support import only_active_admins

PAYLOAD = "userErrors { code message field }"
USER = "staffUser { id email role active lastLoginAt createdAt }"
LIST = (
    "query($first: Int, $after: String) { staffUsers(first: $first, after: $after) {"
    " edges { cursor node { id email role active } } pageInfo { hasNextPage endCursor } } }"
)
DEACTIVATE = f"mutation($input: StaffUserDeactivateInput!) {{ staffUserDeactivate(input: $input) {{ {USER} {PAYLOAD} }} }}"
ROLE_SET = f"mutation($input: StaffUserRoleSetInput!) {{ staffUserRoleSet(input: $input) {{ {USER} {PAYLOAD} }} }}"
VIEWER = "{ viewer { kind role staffUser { id email role active } } }"


def _gid(session: StaffClient) -> str:
    assert session.staff_id is not None
    return to_global_id("StaffUser", session.staff_id)


async def _mutate(admin: StaffClient, document: str, values: dict[str, Any]) -> tuple[dict[str, Any], str]:
    response = await admin.raw(document, {"input": values})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return next(iter(body["data"].values())), response.headers["x-request-id"]


def _codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def _audited(admin: StaffClient, operation: str, request_id: str) -> AuditEvent:
    rows = await AuditEvent.filter(operation=operation, request_id=request_id, actor_id=str(admin.staff_id))
    assert len(rows) == 1, (operation, request_id, rows)
    assert rows[0].actor_kind == "staff" and rows[0].partner_id is None
    return rows[0]


async def _row(session: StaffClient) -> tuple[bool, str, int | None]:
    row = await StaffUser.get(id=session.staff_id)
    return row.active, row.role, row.min_token_iat_s


async def _all_listed(admin: StaffClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await admin.ok(LIST, {"first": 100, "after": after}))["staffUsers"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


# --- viewer (item 4) ------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_a_staff_viewer_shows_id_email_and_role(staff, role):
    session = await staff(role)
    viewer = (await session.ok(VIEWER))["viewer"]
    assert viewer == {"kind": "staff", "role": role, "staffUser": {
        "id": _gid(session), "email": session.email, "role": role.upper(), "active": True}}


async def test_partner_and_customer_viewers_have_no_staff_user(clients):
    partner = await clients.partner()
    customer = await partner.create_customer()
    frontend = await customer_session(partner, customer["id"], ["customers:read"])
    for session in (partner, frontend):
        assert (await session.ok("{ viewer { kind staffUser { id } } }"))["viewer"]["staffUser"] is None


# --- staffUsers -------------------------------------------------------------------------


async def test_admins_list_every_staff_user_with_paging(staff):
    admin = await staff("admin")
    others = [await staff(role) for role in ("compliance", "support", "analyst")]
    listed = {node["id"]: node for node in await _all_listed(admin)}
    for session in (admin, *others):
        assert listed[_gid(session)] == {"id": _gid(session), "email": session.email, "role": session.role.upper(),
                                         "active": True}
    first = (await admin.ok(LIST, {"first": 1}))["staffUsers"]
    second = (await admin.ok(LIST, {"first": 1, "after": first["pageInfo"]["endCursor"]}))["staffUsers"]
    assert first["pageInfo"]["hasNextPage"] and len(first["edges"]) == len(second["edges"]) == 1
    assert first["edges"][0]["node"]["id"] != second["edges"][0]["node"]["id"]
    for size in (0, 101):
        body = await admin.gql(LIST, {"first": size})
        assert error_codes(body) == ["VALIDATION"], body
    assert error_codes(await admin.gql(LIST, {"first": 5, "after": "not-a-cursor"})) == ["VALIDATION"]


async def test_no_one_but_admins_lists_staff_users(staff, clients):
    partner = await clients.partner()
    callers = [await staff(role) for role in ("compliance", "support", "analyst")] + [partner]
    for caller in callers:
        body = await caller.gql(LIST, {"first": 5})
        assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body
        assert_no_leak(str(body))


async def test_node_finds_a_staff_user_for_admins_only(staff, clients):
    admin, officer, partner = await staff("admin"), await staff("compliance"), await clients.partner()
    document = "query($id: ID!) { node(id: $id) { __typename ... on StaffUser { id email role } } }"
    found = (await admin.ok(document, {"id": _gid(officer)}))["node"]
    assert found == {"__typename": "StaffUser", "id": _gid(officer), "email": officer.email, "role": "COMPLIANCE"}
    for caller in (officer, partner):  # not an admin: exactly like an ID that names nothing
        assert await caller.gql(document, {"id": _gid(admin)}) == {"data": {"node": None}}
    assert await admin.gql(document, {"id": random_global_id("StaffUser")}) == {"data": {"node": None}}


# --- staffUserDeactivate ------------------------------------------------------------------


async def test_deactivating_refuses_the_users_tokens_at_once_and_is_audited(staff, http):
    admin, leaver = await staff("admin"), await staff("compliance")
    assert await viewer_status(http, leaver.token) == 200
    payload, request_id = await _mutate(admin, DEACTIVATE, {"staffUserId": _gid(leaver), "reason": "left the bank"})
    assert payload["userErrors"] == [], payload
    assert payload["staffUser"]["id"] == _gid(leaver) and payload["staffUser"]["active"] is False
    assert await viewer_status(http, leaver.token) == 401
    assert (await login(http, leaver.email, STAFF_PASSWORD)).status_code == 401
    row = await _audited(admin, "staffUserDeactivate", request_id)
    assert (row.outcome, row.object_type, row.object_id, row.detail) == (
        "OK", "StaffUser", str(leaver.staff_id), "left the bank")
    listed = {node["id"]: node for node in await _all_listed(admin)}
    assert listed[_gid(leaver)]["active"] is False

    again, request_id = await _mutate(admin, DEACTIVATE, {"staffUserId": _gid(leaver), "reason": "twice"})
    assert _codes(again) == [("VALIDATION", ["staffUserId"])] and again["staffUser"] is None
    assert (await _audited(admin, "staffUserDeactivate", request_id)).outcome == "VALIDATION"


async def test_an_admin_may_deactivate_themselves_while_another_admin_remains(staff, http):
    admin = await staff("admin")
    await staff("admin")  # the one who remains
    payload, _ = await _mutate(admin, DEACTIVATE, {"staffUserId": _gid(admin), "reason": "leaving"})
    assert payload["userErrors"] == [] and payload["staffUser"]["active"] is False
    assert await viewer_status(http, admin.token) == 401


# --- staffUserRoleSet ----------------------------------------------------------------------


async def test_a_role_change_takes_effect_from_the_next_request(staff, http):
    admin, user = await staff("admin"), await staff("admin")
    payload, request_id = await _mutate(admin, ROLE_SET, {"staffUserId": _gid(user), "role": "SUPPORT",
                                                          "reason": "moved to the help desk"})
    assert payload["userErrors"] == [] and payload["staffUser"]["role"] == "SUPPORT", payload
    row = await _audited(admin, "staffUserRoleSet", request_id)
    assert (row.outcome, row.object_id, row.detail) == ("OK", str(user.staff_id), "role=support: moved to the help desk")
    # The old token carried admin: refused, so it keeps no admin powers.
    assert await viewer_status(http, user.token) == 401
    assert error_codes(await admin.gql(LIST, {"first": 1})) == []
    relogged = await StaffFactory(http).login(await StaffUser.get(id=user.staff_id))
    viewer = (await relogged.ok(VIEWER))["viewer"]
    assert viewer["role"] == "support" and viewer["staffUser"]["role"] == "SUPPORT"
    assert error_codes(await relogged.gql(LIST, {"first": 1})) == ["FORBIDDEN"]

    same, request_id = await _mutate(admin, ROLE_SET, {"staffUserId": _gid(user), "role": "SUPPORT", "reason": "again"})
    assert _codes(same) == [("VALIDATION", ["role"])]
    assert (await _audited(admin, "staffUserRoleSet", request_id)).outcome == "VALIDATION"


async def test_a_role_outside_the_enum_is_refused_before_anything_runs(staff):
    admin, user = await staff("admin"), await staff("support")
    before = await _row(user)
    for role in ("ROOT", "admin", "", 1):
        response = await admin.raw(ROLE_SET, {"input": {"staffUserId": _gid(user), "role": role, "reason": "r"}})
        body = response.json()
        assert body.get("errors") and body.get("data") is None, body
        assert_no_leak(response.text)
    assert await _row(user) == before


# --- bad input, and who may call ------------------------------------------------------------


@pytest.mark.parametrize("document", [DEACTIVATE, ROLE_SET], ids=["staffUserDeactivate", "staffUserRoleSet"])
async def test_unknown_or_wrong_type_ids_are_not_found_and_change_nothing(staff, document):
    admin = await staff("admin")
    operation = "staffUserDeactivate" if document is DEACTIVATE else "staffUserRoleSet"
    active_before = await StaffUser.filter(active=True).count()
    roles_before = sorted(await StaffUser.all().values_list("id", "role"))
    partner_gid = to_global_id("Partner", uuid.uuid4())  # well-formed, another type
    admin_as_customer = to_global_id("Customer", admin.staff_id)  # a real staff id under the wrong type
    for bad in (random_global_id("StaffUser"), partner_gid, admin_as_customer, "not-an-id", ""):
        values: dict[str, Any] = {"staffUserId": bad, "reason": "unknown id"}
        if document is ROLE_SET:
            values["role"] = "ANALYST"
        payload, request_id = await _mutate(admin, document, values)
        assert _codes(payload) == [("NOT_FOUND", ["staffUserId"])], (bad, payload)
        assert (await _audited(admin, operation, request_id)).outcome == "NOT_FOUND"
    assert await StaffUser.filter(active=True).count() == active_before
    assert sorted(await StaffUser.all().values_list("id", "role")) == roles_before


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
async def test_a_reason_is_required(staff, reason):
    admin, user = await staff("admin"), await staff("support")
    before = await _row(user)
    for document, extra in ((DEACTIVATE, {}), (ROLE_SET, {"role": "ANALYST"})):
        payload, _ = await _mutate(admin, document, {"staffUserId": _gid(user), "reason": reason, **extra})
        assert _codes(payload) == [("VALIDATION", ["reason"])], payload
    assert await _row(user) == before


@pytest.mark.parametrize("role", ["compliance", "support", "analyst"])
async def test_non_admins_are_forbidden_and_change_nothing(staff, http, role):
    caller, target = await staff(role), await staff("support")
    before = await _row(target)
    for document, extra, operation in ((DEACTIVATE, {}, "staffUserDeactivate"),
                                       (ROLE_SET, {"role": "ADMIN"}, "staffUserRoleSet")):
        response = await caller.raw(document, {"input": {"staffUserId": _gid(target), "reason": "power grab", **extra}})
        body = response.json()
        assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body
        assert (await _audited(caller, operation, response.headers["x-request-id"])).outcome == "FORBIDDEN"
    assert await _row(target) == before
    assert await viewer_status(http, target.token) == 200


async def test_partner_and_customer_tokens_are_forbidden(staff, clients):
    target = await staff("support")
    partner = await clients.partner()
    customer = await partner.create_customer()
    frontend = await customer_session(partner, customer["id"], ["customers:read"])
    before = await _row(target)
    for caller in (partner, frontend):
        for document, extra in ((DEACTIVATE, {}), (ROLE_SET, {"role": "ADMIN"})):
            body = await caller.gql(document, {"input": {"staffUserId": _gid(target), "reason": "no", **extra}})
            assert error_codes(body) == ["FORBIDDEN"], body
    assert await _row(target) == before


# --- the last admin -------------------------------------------------------------------------


async def test_the_last_active_admin_can_neither_be_deactivated_nor_demoted(staff, http):
    admin = await staff("admin")
    assert admin.staff_id is not None
    async with only_active_admins(admin.staff_id):
        before = await _row(admin)
        for document, extra, operation in ((DEACTIVATE, {}, "staffUserDeactivate"),
                                           (ROLE_SET, {"role": "ANALYST"}, "staffUserRoleSet")):
            payload, request_id = await _mutate(admin, document, {"staffUserId": _gid(admin), "reason": "bye", **extra})
            assert _codes(payload) == [("LAST_ADMIN", ["staffUserId"])] and payload["staffUser"] is None, payload
            assert "admin" in payload["userErrors"][0]["message"]
            assert (await _audited(admin, operation, request_id)).outcome == "LAST_ADMIN"
        assert await _row(admin) == before
        assert await viewer_status(http, admin.token) == 200
        assert (await admin.ok(VIEWER))["viewer"]["staffUser"]["role"] == "ADMIN"
