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
