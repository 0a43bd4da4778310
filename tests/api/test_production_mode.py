"""QIANBAO_ENV=production: no introspection, no GraphiQL, no "Did you mean" suggestions, and
internal errors masked to a message with the request id (the one in the X-Request-ID header).

The production schema strips suggestions from its own error messages; it must not
touch graphql-core's process-wide setting (graphql.pyutils.did_you_mean.MAX_LENGTH),
which would silence suggestions for every other schema in the process too.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

import api.oauth
import services.customers
import services.partners.queries
from tests.api.app_instances import app_instance, on
from tests.api.support import assert_no_leak, error_codes
from tests.factories import GraphQLClient

did_you_mean = importlib.import_module("graphql.pyutils.did_you_mean")

INTROSPECTION = [
    "{ __schema { types { name fields { name } } } }",
    '{ __type(name: "Wallet") { fields { name } } }',
    "query { viewer { kind } __schema { queryType { name } } }",
]

# Each of these asks graphql-core for a suggestion: a field, an argument, a type,
# an enum value and an input field, each one letter off.
MISSPELLED = [
    ("{ viewer { kindd } }", "kind"),
    ("{ customers(frist: 5) { nodes { id } } }", "first"),
    ("{ node(id: \"x\") { ... on Walet { id } } }", "Wallet"),
    (
        'mutation { customerCreate(input: {externalRef: "r", kind: INDIVIDUL, displayName: "d", country: "CN"})'
        " { userErrors { code } } }",
        "INDIVIDUAL",
    ),
    (
        'mutation { customerCreate(input: {externalRef: "r", kind: INDIVIDUAL, displayName: "d", country: "CN",'
        ' emial: "a@example.com"}) { userErrors { code } } }',
        "email",
    ),
]


@asynccontextmanager
async def production_app(database_url: str, **options: object) -> AsyncIterator[httpx.AsyncClient]:
    """An app with env=production."""
    async with app_instance(database_url, env="production", **options) as http:
        yield http


def messages(body: dict) -> str:
    return " | ".join(error["message"] for error in body.get("errors") or [])


async def test_introspection_is_refused_in_production_only(clients, database_url):
    partner = await clients.partner()
    for query in INTROSPECTION:  # the development app answers them
        assert "errors" not in await partner.gql(query), query

    async with production_app(database_url) as http:
        prod = on(partner, http)
        assert (await prod.ok("{ viewer { kind } }"))["viewer"]["kind"] == "partner"
        for query in INTROSPECTION:
            body = (await prod.raw(query)).json()
            assert body.get("data") is None, (query, body)
            assert "introspection" in messages(body).lower(), body
            assert "Wallet" not in str(body.get("data")), body


async def test_graphiql_is_not_served_in_production(clients, http, database_url):
    partner = await clients.partner()
    html = {"Accept": "text/html"}
    development = await http.get("/graphql", headers=html)
    assert development.status_code == 200 and "<html" in development.text.lower()

    async with production_app(database_url) as prod:
        anonymous = await prod.get("/graphql", headers=html)
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert "<html" not in anonymous.text.lower() and "graphiql" not in anonymous.text.lower()

        with_token = await prod.get("/graphql", headers={**html, "Authorization": f"Bearer {partner.token}"})
        assert "<html" not in with_token.text.lower() and "graphiql" not in with_token.text.lower()
        assert with_token.status_code != 200 or "errors" in with_token.json()


async def test_misspelled_names_get_no_suggestions_in_production(clients, database_url):
    partner = await clients.partner()
    assert did_you_mean.MAX_LENGTH == 5, "another test left graphql-core's suggestions off"
    for query, suggestion in MISSPELLED:  # the development app suggests the right name
        body = await partner.gql(query)
        assert "Did you mean" in messages(body) and suggestion in messages(body), body

    async with production_app(database_url) as http:
        prod = on(partner, http)
        for query, suggestion in MISSPELLED:
            body = (await prod.raw(query)).json()
            assert body.get("errors"), body
            assert "did you mean" not in messages(body).lower(), body
            assert f"'{suggestion}'" not in messages(body), body
    assert did_you_mean.MAX_LENGTH == 5, "the production app left graphql-core's global setting alone"


async def _boom(**kwargs: object) -> None:
    raise RuntimeError(
        'asyncpg.exceptions.UndefinedTableError: relation "partner" does not exist\n'
        '  File "/work/main/services/partners.py", line 70, in get_own_partner'
    )


@pytest.mark.parametrize("sent_request_id", ["probe-req-0001", None])
async def test_an_internal_error_is_masked_to_the_request_id(clients, database_url, monkeypatch, sent_request_id):
    partner: GraphQLClient = await clients.partner()
    monkeypatch.setattr(services.partners.queries, "get_own_partner", _boom)
    headers = {"Authorization": f"Bearer {partner.token}"}
    if sent_request_id:
        headers["X-Request-ID"] = sent_request_id

    async with production_app(database_url) as http:
        response = await http.post("/graphql", json={"query": "{ viewer { kind partner { name } } }"}, headers=headers)

    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]
    if sent_request_id:
        assert request_id == sent_request_id
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    body = response.json()
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": f"Internal error. Quote request id {request_id} to the bank's support.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["viewer"],
            "extensions": {"code": "INTERNAL", "requestId": request_id},
        }
    ]
    assert_no_leak(response.text)
    assert "UndefinedTable" not in response.text and "relation" not in response.text


async def test_an_internal_error_in_a_mutation_is_masked_and_changes_nothing(clients, database_url, monkeypatch):
    partner = await clients.partner()
    before = await partner.ok("{ customers(first: 100) { nodes { id } } }")
    monkeypatch.setattr(services.customers, "create_customer", _boom)
    async with production_app(database_url) as http:
        body = await on(partner, http).gql(
            'mutation { customerCreate(input: {externalRef: "boom-1", kind: INDIVIDUAL, displayName: "d", country: "CN"})'
            " { customer { id } userErrors { code } } }"
        )
    assert error_codes(body) == ["INTERNAL"], body
    assert body["errors"][0]["message"].startswith("Internal error. Quote request id ")
    assert_no_leak(str(body))
    assert await partner.ok("{ customers(first: 100) { nodes { id } } }") == before


async def test_an_internal_error_outside_graphql_is_a_500_with_the_request_id(database_url, monkeypatch):
    monkeypatch.setattr(api.oauth, "authenticate_client", _boom)
    async with production_app(database_url, raise_app_exceptions=False) as http:
        response = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "qb_x", "client_secret": "s" * 32},
            headers={"X-Request-ID": "probe-req-0500"},
        )
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "request_id": "probe-req-0500"}
    assert response.headers.get("x-request-id") == "probe-req-0500"
    assert_no_leak(response.text)
