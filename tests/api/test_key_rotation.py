"""Signing-key rotation: a rotated-out key keeps verifying (and stays in the JWKS)
until it is retired; then its tokens are refused and it leaves the JWKS.

These tests rotate the session app's real keys. Each ends with at least one
active key and the app reloaded, so later tests sign and verify as before.
"""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest

from api.auth_guard import reload_keys
from models import SigningKey
from services.errors import NotFound, ValidationFailed
from services.signing_keys import ensure_signing_key, load_token_authority, retire_signing_key, rotate_signing_key
from tests.api.staff_support import staff, viewer_status  # noqa: F401 - fixture


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def _published(http: httpx.AsyncClient) -> set[str]:
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return {key["kid"] for key in response.json()["keys"]}


async def _active() -> set[str]:
    return set(await SigningKey.filter(retired_at=None).values_list("kid", flat=True))


@pytest.fixture
async def keys_restored(app):
    """Whatever a test does to the keys, the app ends with an active key, reloaded."""
    yield app.state.qianbao
    await ensure_signing_key()
    await reload_keys(app.state.qianbao)


async def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_retired(keys_restored, http, clients, staff):
    state = keys_restored
    await reload_keys(state)
    old_kid = state.tokens.signing.kid
    partner = await clients.partner()
    admin = await staff("admin")
    customer = await partner.create_customer()
    minted = await partner.ok(
        "mutation($c: ID!) { customerTokenCreate(input: {customerId: $c, scopes: [\"customers:read\"]}) { token } }",
        {"c": customer["id"]},
    )
    old_tokens = {"partner": partner.token, "staff": admin.token, "customer": minted["customerTokenCreate"]["token"]}
    assert {_kid(token) for token in old_tokens.values()} == {old_kid}

    new_kid = await rotate_signing_key()
    await reload_keys(state)
    assert state.tokens.signing.kid == new_kid != old_kid
    # Tokens signed before the rotation still verify, of every kind.
    for kind, token in old_tokens.items():
        assert await viewer_status(http, token) == 200, kind
    # New tokens carry the new kid, and verify.
    fresh_partner = await clients.partner()
    fresh_admin = await staff("admin")
    assert _kid(fresh_partner.token) == new_kid and _kid(fresh_admin.token) == new_kid
    assert await viewer_status(http, fresh_partner.token) == 200
    assert await viewer_status(http, fresh_admin.token) == 200
    # Both keys are published, so a third party can verify both generations.
    assert {old_kid, new_kid} <= await _published(http)

    # Refused without force: the key that signs, and a key whose tokens may still be live.
    with pytest.raises(ValidationFailed, match="signs new tokens"):
        await retire_signing_key(new_kid)
    with pytest.raises(ValidationFailed, match="may still be valid"):
        await retire_signing_key(old_kid)
    with pytest.raises(NotFound):
        await retire_signing_key("no-such-" + uuid.uuid4().hex)
    assert {old_kid, new_kid} <= await _active()
    await reload_keys(state)
    assert await viewer_status(http, partner.token) == 200

    await retire_signing_key(old_kid, force=True)
    await reload_keys(state)
    for kind, token in old_tokens.items():
        assert await viewer_status(http, token) == 401, kind
    published = await _published(http)
    assert old_kid not in published and new_kid in published
    assert await viewer_status(http, fresh_partner.token) == 200
    assert await viewer_status(http, fresh_admin.token) == 200
    with pytest.raises(NotFound):
        await retire_signing_key(old_kid, force=True)


async def test_workers_pick_up_rotation_and_retirement_without_a_restart(keys_restored, http, clients, app):
    """Another worker rotates: a token with the new kid makes this one reload (at most every 5 s);
    a retired key is dropped at the periodic reload (every 10 s) without any explicit reload."""
    state = keys_restored
    await reload_keys(state)
    old_kid = state.tokens.signing.kid
    partner = await clients.partner()

    new_kid = await rotate_signing_key()
    other_worker = await load_token_authority(issuer=state.settings.issuer, audience=state.settings.audience)
    assert other_worker.signing.kid == new_kid
    token, _ = other_worker.issue_partner_token(
        client_id=partner.client_id, partner_id=uuid.UUID(partner.partner_id), scopes=["wallets:read"], ttl_s=300
    )
    # Just reloaded: an unknown kid does not trigger another database reload yet (no reload storm).
    state.keys_loaded_at = time.monotonic()
    assert await viewer_status(http, token) == 401
    # Five seconds later it does, and the new key is accepted.
    state.keys_loaded_at = time.monotonic() - 6
    assert await viewer_status(http, token) == 200
    assert state.tokens.signing.kid == new_kid

    await retire_signing_key(old_kid, force=True)
    state.keys_loaded_at = time.monotonic() - 11  # the periodic reload is due
    assert await viewer_status(http, partner.token) == 401
    assert old_kid not in await _published(http)
    assert await viewer_status(http, token) == 200
