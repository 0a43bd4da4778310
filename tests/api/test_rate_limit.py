"""Per-partner token buckets: a flooding partner is refused with 429 and Retry-After while
another partner's requests all pass; aliases cost one token each, batches are refused,
the token endpoints have their own per-client and per-e-mail limits, and with Redis the
buckets are shared by every worker.

Buckets refill in real time, so each bound allows for the tokens refilled while the test ran.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import uuid

import httpx
import pytest
import redis.asyncio as redis

from services.staff import create_staff
from tests.api.app_instances import app_instance, on
from tests.api.support import error_codes
from tests.factories import GraphQLClient, next_id

VIEWER = "{ viewer { kind } }"
REDIS_URL = os.environ.get("QIANBAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def assert_rate_limited(response: httpx.Response) -> int:
    """A 429 with a whole-second Retry-After and the RATE_LIMITED code; returns Retry-After."""
    assert response.status_code == 429, response.text
    assert response.json()["data"] is None
    assert error_codes(response.json()) == ["RATE_LIMITED"]
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and int(retry_after) >= 1, retry_after
    return int(retry_after)


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body and body["data"], body


async def flood(a: list[GraphQLClient], b: list[GraphQLClient], requests: int) -> tuple[list[httpx.Response], list[httpx.Response], float]:
    """Partner A sends `requests` queries back to back (round-robin over its clients, one per
    worker); after every fifth, partner B sends one. Returns A's and B's responses and the time taken."""
    a_responses, b_responses = [], []
    started = time.monotonic()
    for i in range(requests):
        a_responses.append(await a[i % len(a)].raw(VIEWER))
        if i % 5 == 4:
            b_responses.append(await b[(i // 5) % len(b)].raw(VIEWER))
    return a_responses, b_responses, time.monotonic() - started


async def test_a_flooding_partner_is_refused_while_another_partner_is_served(clients, database_url):
    rate, burst = 5, 10
    partner_a, partner_b = await clients.partner(), await clients.partner()
    async with app_instance(database_url, rate_limit_rps=rate, rate_limit_burst=burst) as http:
        a_responses, b_responses, elapsed = await flood([on(partner_a, http)], [on(partner_b, http)], 40)

        for response in a_responses[:burst]:
            assert_answered(response)
        passed = [r for r in a_responses if r.status_code == 200]
        refused = [r for r in a_responses if r.status_code != 200]
        assert len(passed) <= burst + math.ceil(elapsed * rate), (len(passed), elapsed)
        assert len(passed) + len(refused) == 40 and len(refused) >= 40 - burst - math.ceil(elapsed * rate)
        retry_after = max(assert_rate_limited(r) for r in refused)

        assert len(b_responses) == 8
        for response in b_responses:
            assert_answered(response)

        # Retry-After is honest: after it, A is served again.
        await asyncio.sleep(retry_after)
        assert_answered(await on(partner_a, http).raw(VIEWER))


ALIASED = {
    "aliases": "{ " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(16)) + " }",
    "aliases inside a fragment": "{ ...Many } fragment Many on Query { "
    + " ".join(f"a{i}: viewer {{ kind }}" for i in range(16)) + " }",
    "aliases inside an inline fragment": "{ ... on Query { "
    + " ".join(f"a{i}: viewer {{ kind }}" for i in range(16)) + " } }",
}


@pytest.mark.parametrize("shape", list(ALIASED))
async def test_a_request_with_16_aliases_costs_16_tokens(clients, database_url, shape):
    rate, burst = 1, 20
    partner = await clients.partner()
    async with app_instance(database_url, rate_limit_rps=rate, rate_limit_burst=burst) as http:
        client = on(partner, http)
        started = time.monotonic()
        response = await client.raw(ALIASED[shape])
        assert_answered(response)
        assert len(response.json()["data"]) == 16

        passed = 0
        for _ in range(burst):
            response = await client.raw(VIEWER)
            if response.status_code != 200:
                assert_rate_limited(response)
                break
            passed += 1
        elapsed = time.monotonic() - started
    # 20 - 16 = 4 left, plus what refilled meanwhile; were aliases free, 19 more would pass.
    assert burst - 16 <= passed <= burst - 16 + math.ceil(elapsed * rate), (passed, elapsed)


async def test_a_batch_is_refused_outright_and_costs_nothing(clients, database_url):
    partner = await clients.partner()
    async with app_instance(database_url, rate_limit_rps=1, rate_limit_burst=5) as http:
        for size in (1, 2, 50):
            response = await http.post(
                "/graphql", json=[{"query": VIEWER}] * size, headers={"Authorization": f"Bearer {partner.token}"}
            )
            assert response.status_code == 400, response.text
            assert "batch" in response.json()["errors"][0]["message"]
        # The refused batches took no tokens: the whole burst is still there.
        for _ in range(5):
            assert_answered(await on(partner, http).raw(VIEWER))
        assert_rate_limited(await on(partner, http).raw(VIEWER))


async def token_request(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )


async def test_the_token_endpoint_limits_attempts_per_client_id(clients, database_url):
    target, other = await clients.partner(), await clients.partner()
    async with app_instance(database_url, login_rate_limit_per_min=3) as http:
        for _ in range(3):  # guesses count
            assert (await token_request(http, target.client_id, "wrong-" + "x" * 40)).status_code == 401
        refused = await token_request(http, target.client_id, target.client_secret)
        assert refused.status_code == 429, "the right secret does not get past the limit either"
        assert refused.json()["error"] == "slow_down"
        assert refused.headers["retry-after"] == "20", "one attempt more every 60/3 s"
        assert "access_token" not in refused.text

        # Another client id has its own bucket.
        assert (await token_request(http, other.client_id, other.client_secret)).status_code == 200


async def login(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await http.post("/auth/login", json={"email": email, "password": password})


async def test_staff_login_limits_attempts_per_email(database_url):
    email, password = f"{next_id('ratelimit')}@bank.example", "correct horse battery"
    await create_staff(email=email, role="analyst", password=password)
    async with app_instance(database_url, login_rate_limit_per_min=3) as http:
        for _ in range(3):
            assert (await login(http, email, "wrong password!")).status_code == 401
        for spelling in (email, email.upper(), f"  {email} "):  # the same bucket however it is written
            refused = await login(http, spelling, password)
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"] == "slow_down"
            assert int(refused.headers["retry-after"]) >= 1
            assert "access_token" not in refused.text

        # Another e-mail is not limited by this one's attempts.
        assert (await login(http, f"{next_id('ratelimit')}@bank.example", "wrong password!")).status_code == 401


# ---------------------------------------------------------------- Redis: one bucket for every worker


async def _redis() -> redis.Redis:
    client = redis.from_url(REDIS_URL, socket_timeout=2.0, socket_connect_timeout=2.0)
    try:
        await client.ping()
    except redis.ConnectionError as exc:
        await client.aclose()
        pytest.fail(f"Redis must answer at {REDIS_URL} (set QIANBAO_TEST_REDIS_URL): {exc}")
    return client


def bucket_key(partner: GraphQLClient) -> str:
    return f"qianbao:rl:api:partner:{uuid.UUID(partner.partner_id)}"


async def test_with_redis_two_workers_share_one_bucket_per_partner(clients, database_url):
    rate, burst = 1, 10
    store = await _redis()
    partner_a, partner_b = await clients.partner(), await clients.partner()
    keys = [bucket_key(partner_a), bucket_key(partner_b)]
    try:
        settings = {"redis_url": REDIS_URL, "rate_limit_rps": rate, "rate_limit_burst": burst}
        async with app_instance(database_url, **settings) as worker_1, app_instance(database_url, **settings) as worker_2:
            a = [on(partner_a, worker_1), on(partner_a, worker_2)]
            b = [on(partner_b, worker_2), on(partner_b, worker_1)]
            a_responses, b_responses, elapsed = await flood(a, b, 30)

            for response in a_responses[:burst]:
                assert_answered(response)
            passed = [r for r in a_responses if r.status_code == 200]
            # Two separate buckets would let 2 x 10 through.
            assert len(passed) <= burst + math.ceil(elapsed * rate) < 2 * burst, (len(passed), elapsed)
            for response in a_responses:
                if response.status_code != 200:
                    assert_rate_limited(response)
            for response in b_responses:
                assert_answered(response)

            tokens_left = float(await store.hget(keys[0], "tokens"))
            assert 0 <= tokens_left < 1 + elapsed * rate
            assert 0 < await store.pttl(keys[0]) <= (burst / rate) * 1000 + 1000, "buckets expire"
    finally:
        await store.delete(*keys)
        await store.aclose()


async def test_without_redis_each_worker_counts_alone(clients, database_url):
    """The contrast to the Redis test: in-memory buckets are per process, so the same flood
    over two workers gets about twice the burst."""
    rate, burst = 1, 10
    partner_a, partner_b = await clients.partner(), await clients.partner()
    settings = {"rate_limit_rps": rate, "rate_limit_burst": burst}
    async with app_instance(database_url, **settings) as worker_1, app_instance(database_url, **settings) as worker_2:
        a_responses, _, elapsed = await flood([on(partner_a, worker_1), on(partner_a, worker_2)], [on(partner_b, worker_1)], 30)
    passed = sum(1 for r in a_responses if r.status_code == 200)
    assert 2 * burst <= passed <= 2 * burst + 2 * math.ceil(elapsed * rate), (passed, elapsed)
