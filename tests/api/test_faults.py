"""Faults answered as faults: a database that is away or hangs gets HTTP 503 (UNAVAILABLE or TIMEOUT) with
Retry-After and the request id, within the request deadline, logged in one line without a traceback."""

from __future__ import annotations

import asyncio
import errno
import logging
import time

import asyncpg

from tests.api.app_instances import app_instance, on
from tests.api.support import error_codes

VIEWER = "{ viewer { kind } }"


def _assert_fault(response, code: str) -> None:  # noqa: ANN001
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert error_codes(response.json()) == [code]
    assert response.json()["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "Retry" in response.json()["errors"][0]["message"]


def _no_traceback(caplog) -> None:  # noqa: ANN001
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []


async def test_authentication_that_hangs_is_cut_at_the_deadline(clients, database_url, monkeypatch, caplog):
    partner = await clients.partner()

    async def hangs(state, authorization):  # noqa: ANN001 - as api.auth_guard.authenticate
        await asyncio.sleep(30)

    monkeypatch.setattr("api.graphql_endpoint.authenticate", hangs)
    async with app_instance(database_url, request_timeout_s=1) as http:
        started = time.monotonic()
        response = await on(partner, http).raw(VIEWER)
        assert time.monotonic() - started < 3
    _assert_fault(response, "TIMEOUT")
    _no_traceback(caplog)


async def test_a_database_away_during_authentication_is_unavailable(clients, database_url, monkeypatch, caplog):
    partner = await clients.partner()

    async def refused(state, authorization):  # noqa: ANN001
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr("api.graphql_endpoint.authenticate", refused)
    caplog.set_level(logging.WARNING)
    async with app_instance(database_url) as http:
        response = await on(partner, http).raw(VIEWER)
    _assert_fault(response, "UNAVAILABLE")
    _no_traceback(caplog)
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


async def test_a_connection_lost_under_a_resolver_is_unavailable_not_internal(clients, monkeypatch, caplog):
    partner = await clients.partner()

    async def lost(**kwargs):  # noqa: ANN003
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr("services.customers.list_customers", lost)
    response = await partner.raw("{ customers(first: 1) { nodes { id } } }")
    _assert_fault(response, "UNAVAILABLE")
    _no_traceback(caplog)


async def test_token_and_login_routes_answer_503_when_the_database_is_away(clients, http, monkeypatch):
    partner = await clients.partner()

    async def refused(**kwargs):  # noqa: ANN003
        raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")

    monkeypatch.setattr("api.oauth.authenticate_client", refused)
    response = await http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": partner.client_id,
                                                      "client_secret": "whatever-secret"})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["error"] == "temporarily_unavailable" and response.json()["code"] == "UNAVAILABLE"
    monkeypatch.setattr("api.staff_login.login_staff", refused)
    response = await http.post("/auth/login", json={"email": "someone@bank.test", "password": "x" * 12})
    assert response.status_code == 503 and response.json()["code"] == "UNAVAILABLE"


async def test_readyz_answers_within_a_second_when_the_database_hangs(http, monkeypatch):
    from tortoise import connections

    client = connections.get("default")
    real = client.execute_query

    async def hangs(*args, **kwargs):  # noqa: ANN002, ANN003
        await asyncio.sleep(30)

    monkeypatch.setattr(client, "execute_query", hangs)
    started = time.monotonic()
    response = await http.get("/readyz")
    assert response.status_code == 503 and time.monotonic() - started < 2
    monkeypatch.setattr(client, "execute_query", real)
    assert (await http.get("/readyz")).status_code == 200  # ready again by itself
