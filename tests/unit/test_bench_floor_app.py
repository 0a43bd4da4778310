"""bench/transfer_bench/floor_app: the stack floor's three routes give the transfer benchmark's answer, so
bench/stack_floor.py measures successes, not errors (it counts a route's refusals as a failure)."""

from __future__ import annotations

import json

import httpx
import pytest

from bench.transfer_bench.api_run import classify
from bench.transfer_bench.floor_app import app
from bench.transfer_bench.settings import TRANSFER_MUTATION

BODY = {"query": TRANSFER_MUTATION, "variables": {"input": {
    "fromWalletId": "V2FsbGV0OjE=", "toWalletId": "V2FsbGV0OjI=", "amount": "0.42", "idempotencyKey": "k-1"}}}


@pytest.mark.parametrize("path", ["/asgi", "/plain", "/graphql"])
async def test_each_route_answers_a_successful_transfer_create(path):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://floor") as client:
        response = await client.post(path, content=json.dumps(BODY), headers={"content-type": "application/json"})
    assert classify(response.status_code, response.content) is None, response.text
    assert response.json()["data"]["transferCreate"]["transaction"]["amount"]["amount"] == "0.42"


async def test_a_graphql_error_is_not_counted_as_a_success():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://floor") as client:
        response = await client.post("/graphql", json={"query": "mutation { transferCreate { id } }"})
    assert classify(response.status_code, response.content) is not None
