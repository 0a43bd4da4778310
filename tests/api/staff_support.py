"""Bank staff for the API tests: users created through services.staff, tokens
obtained through the real POST /auth/login, and GraphQL calls with them.

Import the `staff` fixture into a test module (`from tests.api.staff_support import staff`)
to get a StaffFactory bound to the session's HTTP client.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import httpx
import pytest_asyncio

from auth.roles import STAFF_ROLES
from models import StaffUser
from services.staff import create_staff
from tests.factories import BearerSession, GraphQLClient, next_id

STAFF_PASSWORD = "correct horse battery staple"  # 12+ characters, as create_staff requires


def staff_email(prefix: str = "staff") -> str:
    """A unique, deterministic staff e-mail address."""
    return f"{next_id(prefix)}@bank.example"


async def login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """POST /auth/login with a JSON body."""
    return await http.post("/auth/login", json={"email": email, "password": password})


@dataclasses.dataclass
class StaffClient(BearerSession):
    """A staff member's dashboard session: token in hand, GraphQL in one call."""

    staff_id: uuid.UUID | None = None
    email: str = ""
    role: str = ""
    password: str = ""


class StaffFactory:
    """Makes staff users (services.staff.create_staff) and logs them in over HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def user(self, role: str, *, password: str = STAFF_PASSWORD, email: str | None = None) -> StaffUser:
        """A new staff user with this role (no token)."""
        return await create_staff(email=email or staff_email(role), role=role, password=password)

    async def login(self, user: StaffUser, password: str = STAFF_PASSWORD) -> StaffClient:
        """Log the user in through POST /auth/login; the session carries the staff token."""
        response = await login(self.http, user.email, password)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer" and body["scope"] == f"role:{user.role}", body
        return StaffClient(http=self.http, token=body["access_token"], staff_id=user.id, email=user.email,
                           role=user.role, password=password)

    async def __call__(self, role: str) -> StaffClient:
        """A new staff user with this role, logged in."""
        return await self.login(await self.user(role))

    async def every_role(self) -> dict[str, StaffClient]:
        """One logged-in staff member per role."""
        sessions = await asyncio.gather(*(self(role) for role in STAFF_ROLES))
        return dict(zip(STAFF_ROLES, sessions))


@pytest_asyncio.fixture
async def staff(http: httpx.AsyncClient) -> StaffFactory:
    """Makes staff users and their logged-in sessions."""
    return StaffFactory(http)


async def customer_session(partner: GraphQLClient, customer_id: str, scopes: list[str], ttl_seconds: int = 600) -> GraphQLClient:
    """A partner frontend's session: a customer token minted by `partner` through customerTokenCreate."""
    data = await partner.ok(
        "mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) {"
        " token scopes userErrors { code message field } } }",
        {"input": {"customerId": customer_id, "scopes": scopes, "ttlSeconds": ttl_seconds}},
    )
    payload = data["customerTokenCreate"]
    assert payload["userErrors"] == [], payload
    return dataclasses.replace(partner, token=payload["token"], scopes=payload["scopes"])


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


VIEWER = "{ viewer { kind role clientId scopes customerId } }"


async def viewer_status(http: httpx.AsyncClient, token: str) -> int:
    """The HTTP status of a `viewer` query made with the token (200 live, 401 refused)."""
    response = await http.post("/graphql", json={"query": VIEWER}, headers=bearer(token))
    return response.status_code
