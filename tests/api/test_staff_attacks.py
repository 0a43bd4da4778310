"""JWT attacks on the staff and customer token kinds: each forged or stale token is
refused with the same HTTP 401 as any other bad token.

Every token here is signed with the app's real key, so the signature is never
the reason for a refusal; a control token built the same way but honest is
accepted, so each 401 comes from the one claim (or database fact) that changed.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import jwt
import pytest

from auth.tokens import TokenAuthority
from models import RevokedToken, StaffUser
from services.token_liveness import announce_access_change
from services.delegated_tokens import CUSTOMER_TOKEN_SCOPES
from tests.api.staff_support import STAFF_PASSWORD, VIEWER, bearer, staff  # noqa: F401 - fixture
from tests.api.support import assert_no_leak, error_codes, object_uuid
from tests.factories import GraphQLClient

DROP = object()


@dataclass
class Forge:
    """Signs arbitrary claims with the app's real signing key."""

    tokens: TokenAuthority

    def sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        full = {"iss": self.tokens.issuer, "aud": self.tokens.audience, "iat": now, "nbf": now, "exp": now + 600,
                "jti": uuid.uuid4().hex, **claims}
        full = {name: value for name, value in full.items() if value is not DROP}
        assert self.tokens.signing.private_key is not None
        return jwt.encode(full, self.tokens.signing.private_key, algorithm="EdDSA",
                          headers={"kid": self.tokens.signing.kid, "typ": "at+jwt"})

    def staff(self, user: StaffUser, /, **changes: Any) -> str:
        return self.sign({"kind": "staff", "sub": str(user.id), "role": user.role, **changes})

    def partner(self, partner: GraphQLClient, /, **changes: Any) -> str:
        return self.sign({"kind": "partner", "sub": partner.client_id, "client_id": partner.client_id,
                          "partner_id": partner.partner_id, "scope": "wallets:read customers:read", **changes})

    def customer(self, partner: GraphQLClient, customer: uuid.UUID, /, **changes: Any) -> str:
        return self.sign({"kind": "customer", "sub": f"customer:{customer}", "client_id": partner.client_id,
                          "partner_id": partner.partner_id, "customer_id": str(customer),
                          "scope": "customers:read wallets:read", **changes})


@pytest.fixture
def forge(app) -> Forge:
    return Forge(app.state.qianbao.tokens)


async def _status(http: httpx.AsyncClient, token: str) -> int:
    response = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(token))
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert error_codes(response.json()) == ["UNAUTHENTICATED"]
        assert_no_leak(response.text)
        # The same answer as for a request without any token: nothing tells which check failed.
        anonymous = await http.post("/graphql", json={"query": VIEWER})
        assert (response.text, response.headers["www-authenticate"]) == (
            anonymous.text, anonymous.headers["www-authenticate"])
    else:
        assert response.status_code == 200, response.text
        assert not response.json().get("errors"), response.text
    return response.status_code


# --- staff tokens ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"role": "superadmin"}, {"role": "ADMIN"}, {"role": "root"}, {"role": ""}, {"role": ["admin"]}, {"role": DROP},
     {"role": None}, {"sub": "not-a-uuid"}, {"sub": str(uuid.uuid4())}, {"sub": DROP}, {"kind": "Staff"},
     {"kind": "admin"}, {"kind": DROP}],
    ids=["role-superadmin", "role-capitals", "role-root", "role-empty", "role-list", "role-missing", "role-null",
         "sub-not-uuid", "sub-unknown-user", "sub-missing", "kind-capitalised", "kind-admin", "kind-missing"],
)
async def test_staff_tokens_with_a_forged_role_or_subject_are_401(http, forge, staff, changes):
    user = await staff.user("admin")
    assert await _status(http, forge.staff(user)) == 200  # control
    assert await _status(http, forge.staff(user, **changes)) == 401


async def test_a_staff_token_claiming_another_role_than_the_users_is_401(http, forge, staff):
    analyst = await staff.user("analyst")
    assert await _status(http, forge.staff(analyst)) == 200
    for role in ("admin", "compliance", "support"):
        assert await _status(http, forge.staff(analyst, role=role)) == 401, role


async def test_tokens_of_a_deactivated_or_demoted_staff_user_are_401_at_the_next_request(http, staff):
    leaver = await staff("admin")
    demoted = await staff("admin")
    assert await _status(http, leaver.token) == 200 and await _status(http, demoted.token) == 200
    await StaffUser.filter(id=leaver.staff_id).update(active=False)
    await StaffUser.filter(id=demoted.staff_id).update(role="analyst")
    # A direct database edit, as an operator would make it, followed by the
    # announcement every access change makes (workers forget remembered answers).
    await announce_access_change()
    assert await _status(http, leaver.token) == 401
    assert await _status(http, demoted.token) == 401
    # A deactivated user cannot simply log in again either.
    assert (await http.post("/auth/login", json={"email": leaver.email, "password": STAFF_PASSWORD})).status_code == 401


async def test_claims_beside_the_role_grant_a_staff_token_nothing(http, forge, staff, clients):
    analyst = await staff.user("analyst")
    partner = await clients.partner()
    token = forge.staff(analyst, scope="partners:write transactions:write audit:read", partner_id=partner.partner_id,
                        client_id=partner.client_id, customer_id=str(uuid.uuid4()))
    viewer = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(token))
    assert viewer.status_code == 200
    assert viewer.json()["data"]["viewer"]["role"] == "analyst"
    assert "partners:write" not in viewer.json()["data"]["viewer"]["scopes"]
    for document in ('mutation { partnerCreate(input: {name: "x"}) { clientSecret } }',
                     "{ auditEvents { nodes { id } } }"):
        body = (await http.post("/graphql", json={"query": document}, headers=bearer(token))).json()
        assert error_codes(body) == ["FORBIDDEN"], body


# --- customer tokens ---------------------------------------------------------------------


async def test_a_customer_token_for_another_partners_customer_is_401(http, forge, clients):
    mine, theirs = await clients.partner(), await clients.partner()
    own_customer = object_uuid((await mine.create_customer())["id"])
    foreign_customer = object_uuid((await theirs.create_customer())["id"])
    assert await _status(http, forge.customer(mine, own_customer)) == 200  # control
    # Signed by us, naming partner A's client but partner B's customer.
    assert await _status(http, forge.customer(mine, foreign_customer)) == 401
    assert await _status(http, forge.customer(mine, foreign_customer, sub=f"customer:{own_customer}")) == 401
    for changes in ({"customer_id": str(uuid.uuid4())}, {"customer_id": DROP}, {"customer_id": "1"},
                    {"client_id": theirs.client_id}, {"partner_id": theirs.partner_id}):
        assert await _status(http, forge.customer(mine, own_customer, **changes)) == 401, changes


# --- scopes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    ["admin", "partners:write", "partners:read", "audit:read", "kyc:review", "wallets:read superuser",
     "wallets:read WALLETS:WRITE", "role:admin"],
)
async def test_a_scope_outside_the_known_list_is_401(http, forge, clients, scope):
    partner = await clients.partner()
    customer_id = object_uuid((await partner.create_customer())["id"])
    assert await _status(http, forge.partner(partner)) == 200  # controls
    assert await _status(http, forge.customer(partner, customer_id, scope=" ".join(sorted(CUSTOMER_TOKEN_SCOPES)))) == 200
    assert await _status(http, forge.partner(partner, scope=scope)) == 401
    assert await _status(http, forge.customer(partner, customer_id, scope=scope)) == 401


# --- revoked token ids -----------------------------------------------------------------------


async def test_a_revoked_jti_is_401_for_every_token_kind(http, forge, clients, staff):
    partner = await clients.partner()
    customer_id = object_uuid((await partner.create_customer())["id"])
    admin = await staff.user("admin")
    jtis = {kind: uuid.uuid4().hex for kind in ("partner", "customer", "staff")}
    tokens = {
        "partner": forge.partner(partner, jti=jtis["partner"]),
        "customer": forge.customer(partner, customer_id, jti=jtis["customer"]),
        "staff": forge.staff(admin, jti=jtis["staff"]),
    }
    for kind, token in tokens.items():
        assert await _status(http, token) == 200, kind
    expires = datetime.now(timezone.utc) + timedelta(hours=1)
    for kind, jti in jtis.items():
        await RevokedToken.create(jti=jti, expires_at=expires, revoked_by="test:staff-attacks")
        await announce_access_change()
        assert await _status(http, tokens[kind]) == 401, kind
    # The same claims under a fresh jti are accepted: it is the jti that is refused.
    assert await _status(http, forge.partner(partner)) == 200
