"""services.signing_keys: the JWT signing keys, rotated and retired (the app's own key is never retired here)."""

from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from api.auth_guard import reload_keys
from models import SigningKey
from services.errors import NotFound, ValidationFailed
from services.signing_keys import ensure_signing_key, list_keys, load_token_authority, retire_signing_key, rotate_signing_key


@pytest_asyncio.fixture
async def app_keys(app):
    """The keys the app signs with before the test; afterwards the app reloads whatever is active then."""
    state = app.state.qianbao
    await reload_keys(state)
    before = state.tokens.signing.kid
    yield before
    await ensure_signing_key()
    await reload_keys(state)
    assert state.tokens.signing.kid == before, "the test must leave the app's signing key the newest active one"


async def test_a_rotated_key_signs_and_every_active_key_verifies(app_keys):
    first, second = await rotate_signing_key(), await rotate_signing_key()
    try:
        keys = await list_keys()
        assert [k.kid for k in keys[:2]] == [second, first]  # newest first
        assert [k.signing for k in keys] == [True] + [False] * (len(keys) - 1)
        assert keys[0].retired_at is None and keys[1].retired_at is None
        authority = await load_token_authority(issuer="https://issuer.test", audience="qianbao-test")
        assert authority.signing.kid == second
        assert {first, app_keys} <= set(authority._verifying)
    finally:
        await retire_signing_key(first, force=True)
        await retire_signing_key(second, force=True)


async def test_retiring_needs_force_while_tokens_may_still_be_valid(app_keys):
    older, newest = await rotate_signing_key(), await rotate_signing_key()
    try:
        with pytest.raises(ValidationFailed, match="signs new tokens"):
            await retire_signing_key(newest)
        with pytest.raises(ValidationFailed, match="may still be valid"):
            await retire_signing_key(older)
        with pytest.raises(NotFound):
            await retire_signing_key("no-such-" + uuid.uuid4().hex)
        await retire_signing_key(older, force=True)
        retired = await SigningKey.get(kid=older)
        assert retired.retired_at is not None
        with pytest.raises(NotFound):
            await retire_signing_key(older, force=True)  # retired once
        authority = await load_token_authority(issuer="https://issuer.test", audience="qianbao-test")
        assert older not in authority._verifying and newest in authority._verifying
        assert [k for k in await list_keys() if k.kid == older][0].retired_at is not None
    finally:
        await retire_signing_key(newest, force=True)
    assert [k.kid for k in await list_keys() if k.signing] == [app_keys]


async def test_ensure_creates_no_key_while_one_is_active(app_keys):
    before = await SigningKey.all().count()
    await ensure_signing_key()
    assert await SigningKey.all().count() == before
    assert (await load_token_authority(issuer="i", audience="a")).signing.kid == app_keys


async def test_private_keys_are_sealed_under_a_data_key_and_a_clear_one_is_sealed_at_start(app_keys):
    """Issue 19: the JWT signing private key was stored in clear (a backup alone could mint staff tokens)."""
    from auth.tokens import generate_key_pair
    from services.pii.envelope import decrypt_value
    from services.signing_keys import seal_clear_keys

    kid = await rotate_signing_key()
    legacy, pem = generate_key_pair()
    try:
        stored = (await SigningKey.get(kid=kid)).private_pem
        assert "PRIVATE KEY" not in stored and not stored.startswith("-----BEGIN")
        assert "PRIVATE KEY" in await decrypt_value(stored, context=f"signing_key.private_pem:{kid}")
        # A key stored in clear before the change is sealed (once), and still loads.
        await SigningKey.create(kid=legacy.kid, algorithm="EdDSA", private_pem=pem, public_jwk=legacy.public_jwk())
        assert await seal_clear_keys() == 1 and await seal_clear_keys() == 0
        authority = await load_token_authority(issuer="https://issuer.test", audience="qianbao-test")
        assert legacy.kid in {authority.signing.kid, *authority._verifying}
        resealed = (await SigningKey.get(kid=legacy.kid)).private_pem
        assert not resealed.startswith("-----BEGIN")
        assert await decrypt_value(resealed, context=f"signing_key.private_pem:{legacy.kid}") == pem
        # Sealed to its own row: another key's token does not open as this one.
        with pytest.raises(Exception):
            await decrypt_value(resealed, context=f"signing_key.private_pem:{kid}")
    finally:
        await retire_signing_key(legacy.kid, force=True)
        await retire_signing_key(kid, force=True)


async def test_a_rotation_under_traffic_drops_no_request_and_old_tokens_verify_until_retired(app_keys, app, clients, http):
    # Partners keep calling with tokens signed by the old key while a new key is rotated in and every worker
    # reloads (reload_keys: what the 10-second refresh does); tokens minted afterwards carry the new kid, and both
    # public keys are in the JWKS until the old one is retired.
    import asyncio

    import jwt

    partners = [await clients.partner() for _ in range(3)]
    old_tokens = [p.token for p in partners]
    assert {jwt.get_unverified_header(token)["kid"] for token in old_tokens} == {app_keys}
    statuses: list[tuple[int, bool]] = []
    stop = asyncio.Event()

    async def traffic(partner) -> None:  # noqa: ANN001
        while not stop.is_set():
            response = await partner.raw("{ wallets(first: 1) { edges { node { id } } } }")
            statuses.append((response.status_code, "errors" in response.json()))
            await asyncio.sleep(0)

    workers = [asyncio.create_task(traffic(p)) for p in partners]
    try:
        await asyncio.sleep(0.3)
        new_kid = await rotate_signing_key()
        await reload_keys(app.state.qianbao)
        await asyncio.sleep(0.3)
        fresh = await http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": partners[0].client_id,
                                                      "client_secret": partners[0].client_secret})
        assert fresh.status_code == 200, fresh.text
        assert jwt.get_unverified_header(fresh.json()["access_token"])["kid"] == new_kid
        published = {key["kid"] for key in (await http.get("/.well-known/jwks.json")).json()["keys"]}
        assert {app_keys, new_kid} <= published
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.gather(*workers)
        await retire_signing_key(new_kid, force=True)
    assert len(statuses) > 30 and set(statuses) == {(200, False)}, set(statuses)
    for partner, token in zip(partners, old_tokens):
        partner.token = token
        assert (await partner.raw("{ wallets(first: 1) { edges { node { id } } } }")).status_code == 200
