"""Bodies over a route's limit are answered 413 with a JSON error on every POST route, and not read further."""

from __future__ import annotations

import pytest

from api.graphql_endpoint import MAX_BODY_BYTES as GRAPHQL_MAX
from api.oauth import MAX_FORM_BYTES
from api.staff_login import MAX_BODY_BYTES as LOGIN_MAX
from services.rails.callbacks import MAX_BODY_BYTES as CALLBACK_MAX

ROUTES = [
    ("/oauth/token", "application/x-www-form-urlencoded", MAX_FORM_BYTES),
    ("/auth/login", "application/json", LOGIN_MAX),
    ("/rails/simulated/callback", "application/json", CALLBACK_MAX),
]


@pytest.mark.parametrize("path, content_type, limit", ROUTES)
async def test_an_oversized_body_is_413_json(http, path, content_type, limit):
    response = await http.post(path, content=b"x" * (limit + 1), headers={"Content-Type": content_type})
    assert response.status_code == 413, (path, response.text)
    assert response.headers["content-type"].startswith("application/json")
    response.json()  # a JSON body, not a bare text


@pytest.mark.parametrize("path, content_type, limit", ROUTES)
async def test_a_lying_content_length_is_refused_before_reading(http, path, content_type, limit):
    async def endless():
        for _ in range(1_000):  # far more than any limit; the route stops reading at the announced length's check
            yield b"y" * 1024

    response = await http.post(path, content=endless(), headers={"Content-Type": content_type,
                                                                  "Content-Length": str(limit * 10)})
    assert response.status_code == 413, (path, response.text)


async def test_graphql_keeps_its_413(http, clients):
    partner = await clients.partner()
    response = await http.post("/graphql", content=b"{" + b" " * GRAPHQL_MAX + b"}",
                               headers={"Content-Type": "application/json", "Authorization": f"Bearer {partner.token}"})
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
