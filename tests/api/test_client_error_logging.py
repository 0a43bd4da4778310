"""Client errors are not server errors: a refused request (bad token, missing scope, a
validation error, a business refusal in userErrors) leaves one log line with its request
id and code and no traceback; only an unexpected exception logs a traceback, once."""

from __future__ import annotations

import logging
import re

import pytest

import services.customers
from tests.api.app_instances import app_instance, on
from tests.api.support import random_global_id
from tests.factories import GraphQLClient, next_id

CUSTOMER_CREATE = (
    "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) { customer { id } userErrors { message } } }"
)


def _customer(**overrides: str) -> dict:
    return {"externalRef": next_id("log-ref"), "kind": "INDIVIDUAL", "displayName": "Name", "country": "CN", **overrides}


def _lines_for(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if request_id in record.getMessage()]


def assert_one_refusal_line(caplog: pytest.LogCaptureFixture, request_id: str, code: str) -> logging.LogRecord:
    """Exactly one record names the request; it carries the code, at INFO or WARNING, with no traceback."""
    lines = _lines_for(caplog, request_id)
    assert len(lines) == 1, [record.getMessage() for record in caplog.records]
    line = lines[0]
    assert re.search(rf"\bcode=(?:[A-Za-z_]+,)*{code}\b", line.getMessage()), line.getMessage()
    assert line.levelno in (logging.INFO, logging.WARNING), line.levelname
    assert all(record.exc_info is None for record in caplog.records), [r.getMessage() for r in caplog.records]
    assert "Traceback" not in caplog.text
    return line


async def _post(partner: GraphQLClient, request_id: str, query: str, variables: dict | None = None, token: str | None = None):
    return await partner.http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token or partner.token}", "X-Request-ID": request_id},
    )


async def test_a_bad_token_is_one_line_without_traceback(http, caplog):
    caplog.set_level(logging.INFO)
    response = await http.post(
        "/graphql", json={"query": "{ viewer { kind } }"},
        headers={"Authorization": "Bearer not-a-token", "X-Request-ID": "log-bad-token-0001"},
    )
    assert response.status_code == 401
    line = assert_one_refusal_line(caplog, "log-bad-token-0001", "UNAUTHENTICATED")
    assert " 401 " in line.getMessage()
    assert "not-a-token" not in caplog.text


async def test_a_missing_scope_is_one_line_without_traceback(clients, caplog):
    partner = await clients.partner(scopes=["wallets:read"])
    caplog.set_level(logging.INFO)
    response = await _post(partner, "log-forbidden-0001", "{ customers(first: 1) { nodes { id } } }")
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert_one_refusal_line(caplog, "log-forbidden-0001", "FORBIDDEN")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ customers(first: 101) { nodes { id } } }", "VALIDATION"),  # a rule of ours
        ("{ viewer { kindd } }", "BAD_REQUEST"),  # graphql-core's document validation
        ("{ viewer { kind ", "BAD_REQUEST"),  # a syntax error
    ],
    ids=["page-size", "unknown-field", "syntax"],
)
async def test_a_validation_error_is_one_line_without_traceback(clients, caplog, query, code):
    partner = await clients.partner()
    caplog.set_level(logging.INFO)
    request_id = f"log-validation-{code.lower()}-{len(query)}"
    response = await _post(partner, request_id, query)
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert_one_refusal_line(caplog, request_id, code)


async def test_an_unknown_id_is_one_line_without_traceback(clients, caplog):
    partner = await clients.partner()
    caplog.set_level(logging.INFO)
    response = await _post(partner, "log-not-found-0001", "query($id: ID!) { wallet(id: $id) { id } }",
                           {"id": random_global_id("Wallet")})
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert_one_refusal_line(caplog, "log-not-found-0001", "NOT_FOUND")


async def test_a_rate_limited_request_is_one_line_without_traceback(clients, database_url, caplog):
    partner = await clients.partner()
    caplog.set_level(logging.INFO)
    async with app_instance(database_url, rate_limit_rps=1, rate_limit_burst=1) as http:
        limited = on(partner, http)
        for attempt in range(1, 6):  # the bucket holds one request: the second or a later one is refused
            request_id = f"log-rate-{attempt:04d}"
            response = await _post(limited, request_id, "{ viewer { kind } }")
            if response.status_code == 429:
                break
    assert response.status_code == 429
    assert_one_refusal_line(caplog, request_id, "RATE_LIMITED")


async def test_a_user_error_refusal_is_one_line_with_its_code_even_when_not_selected(clients, caplog):
    partner = await clients.partner()
    caplog.set_level(logging.INFO)
    # The client asks only for the message: the log line still names the code.
    response = await _post(partner, "log-user-error-0001", CUSTOMER_CREATE, {"input": _customer(country="ZZ")})
    payload = response.json()["data"]["customerCreate"]
    assert payload["customer"] is None and payload["userErrors"], payload
    assert_one_refusal_line(caplog, "log-user-error-0001", "VALIDATION")


async def test_an_oauth_refusal_is_one_line_without_traceback(http, caplog):
    caplog.set_level(logging.INFO)
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": "qb_nobody", "client_secret": "s" * 32},
        headers={"X-Request-ID": "log-oauth-0001"},
    )
    assert response.status_code == 401
    assert_one_refusal_line(caplog, "log-oauth-0001", "invalid_client")


async def test_a_success_names_no_code(clients, caplog):
    partner = await clients.partner()
    caplog.set_level(logging.INFO)
    await _post(partner, "log-ok-0001", "{ viewer { kind } }")
    lines = _lines_for(caplog, "log-ok-0001")
    assert len(lines) == 1 and "code=" not in lines[0].getMessage(), [r.getMessage() for r in lines]


async def _boom(**kwargs: object) -> None:
    raise RuntimeError("the database went away")


async def test_an_internal_error_logs_its_traceback_once(clients, caplog, monkeypatch):
    partner = await clients.partner()
    monkeypatch.setattr(services.customers, "create_customer", _boom)
    caplog.set_level(logging.INFO)
    response = await _post(partner, "log-internal-0001", CUSTOMER_CREATE, {"input": _customer()})
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"

    with_traceback = [record for record in caplog.records if record.exc_info]
    assert len(with_traceback) == 1, [record.getMessage() for record in caplog.records]
    assert with_traceback[0].levelno == logging.ERROR
    assert "log-internal-0001" in with_traceback[0].getMessage()
    assert caplog.text.count("Traceback (most recent call last)") == 1
    assert "RuntimeError: the database went away" in caplog.text
    access = [record for record in _lines_for(caplog, "log-internal-0001") if not record.exc_info]
    assert len(access) == 1 and re.search(r"\bcode=INTERNAL\b", access[0].getMessage()), access
