"""services.delegated_tokens: short-lived customer tokens for a partner's frontend, and revoking tokens."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from models import RevokedToken
from services.customers import create_customer
from services.delegated_tokens import (
    CUSTOMER_TOKEN_SCOPES, DEFAULT_CUSTOMER_TOKEN_TTL_S, MAX_CUSTOMER_TOKEN_TTL_S, create_customer_token, revoke_token,
)
from services.errors import NotFound, ValidationFailed
from services.token_liveness import principal_is_live
from tests.integration.token_support import authority, partner_token, staff_token


async def partner_with_customer(tokens, name: str):
    token, partner = await partner_token(tokens, name)
    customer = await create_customer(principal=partner, external_ref=f"{name}-c", kind="INDIVIDUAL",
                                     display_name="Frontend User", country="CN")
    return token, partner, customer


async def test_a_customer_token_acts_for_one_customer_with_fewer_scopes(database_url):
    tokens = await authority()
    _, partner, customer = await partner_with_customer(tokens, "delegated-mint")
    before = datetime.now(timezone.utc)
    minted = await create_customer_token(principal=partner, tokens=tokens, customer_id=customer.id,
                                         scopes=["wallets:read", "customers:read", "wallets:read"], ttl_s=None)
    assert minted.scopes == ["customers:read", "wallets:read"]
    lifetime = (minted.expires_at - before).total_seconds()
    assert DEFAULT_CUSTOMER_TOKEN_TTL_S - 5 <= lifetime <= DEFAULT_CUSTOMER_TOKEN_TTL_S + 5
    principal = tokens.verify(minted.token)
    assert (principal.kind, principal.customer_id, principal.partner_id) == ("customer", customer.id, partner.partner_id)
    assert sorted(principal.scopes) == ["customers:read", "wallets:read"]
    assert minted.customer.id == customer.id
    assert minted.audit_target() == minted.customer.audit_target()
    assert await principal_is_live(principal)


@pytest.mark.parametrize("ttl", [59, MAX_CUSTOMER_TOKEN_TTL_S + 1, 0, -60])
async def test_a_lifetime_outside_one_to_fifteen_minutes_is_refused(database_url, ttl):
    tokens = await authority()
    _, partner, customer = await partner_with_customer(tokens, f"delegated-ttl{ttl}")
    with pytest.raises(ValidationFailed) as caught:
        await create_customer_token(principal=partner, tokens=tokens, customer_id=customer.id, scopes=["wallets:read"], ttl_s=ttl)
    assert caught.value.field == ["ttlSeconds"]


async def test_scopes_must_be_named_delegable_and_held_by_the_partner(database_url):
    tokens = await authority()
    _, partner, customer = await partner_with_customer(tokens, "delegated-scopes")
    mint = dict(principal=partner, tokens=tokens, customer_id=customer.id, ttl_s=60)
    with pytest.raises(ValidationFailed, match="at least one scope"):
        await create_customer_token(**mint, scopes=[])
    with pytest.raises(ValidationFailed, match="cannot carry: kyc:write"):
        await create_customer_token(**mint, scopes=["wallets:read", "kyc:write"])
    narrow = replace(partner, scopes=frozenset({"wallets:read"}))
    with pytest.raises(ValidationFailed, match="beyond your own token: transactions:write"):
        await create_customer_token(**{**mint, "principal": narrow}, scopes=["transactions:write", "wallets:read"])
    assert "kyc:write" not in CUSTOMER_TOKEN_SCOPES and "transactions:write" in CUSTOMER_TOKEN_SCOPES
    assert {"customers:write", "wallets:write"} <= CUSTOMER_TOKEN_SCOPES  # self-service: contact details, nicknames


async def test_another_partners_customer_is_not_found(database_url):
    tokens = await authority()
    _, mine, _ = await partner_with_customer(tokens, "delegated-mine")
    _, _, theirs = await partner_with_customer(tokens, "delegated-theirs")
    for customer_id in (theirs.id, uuid.uuid4(), None):
        with pytest.raises(NotFound):
            await create_customer_token(principal=mine, tokens=tokens, customer_id=customer_id, scopes=["wallets:read"], ttl_s=60)


async def test_a_partner_revokes_its_own_token_and_it_stops_at_once(database_url):
    tokens = await authority()
    token, partner = await partner_token(tokens, "delegated-revoke")
    assert await principal_is_live(partner)
    jti = (await revoke_token(principal=partner, tokens=tokens, token=token, jti=None)).jti
    assert jti == partner.token_id
    stored = await RevokedToken.get(jti=jti)
    assert stored.revoked_by == f"partner:{partner.subject}"
    assert stored.expires_at > datetime.now(timezone.utc)
    assert not await principal_is_live(partner)
    assert (await revoke_token(principal=partner, tokens=tokens, token=token, jti=None)).jti == jti  # again: no error
    assert await RevokedToken.filter(jti=jti).count() == 1


async def test_tokens_of_others_and_invalid_tokens_are_not_found(database_url):
    tokens = await authority()
    token, partner, customer = await partner_with_customer(tokens, "delegated-others")
    _, other = await partner_token(tokens, "delegated-stranger")
    for principal, target in ((other, token), (partner, "not.a.token")):
        with pytest.raises(NotFound) as caught:
            await revoke_token(principal=principal, tokens=tokens, token=target, jti=None)
        assert caught.value.field == ["token"]
    # A customer token may log itself out, but not revoke its partner's token.
    minted = await create_customer_token(principal=partner, tokens=tokens, customer_id=customer.id, scopes=["wallets:read"], ttl_s=60)
    frontend = tokens.verify(minted.token)
    with pytest.raises(NotFound):
        await revoke_token(principal=frontend, tokens=tokens, token=token, jti=None)
    assert (await revoke_token(principal=frontend, tokens=tokens, token=minted.token, jti=None)).jti == frontend.token_id


async def test_only_staff_revoke_by_jti(database_url):
    tokens = await authority()
    token, partner = await partner_token(tokens, "delegated-jti")
    with pytest.raises(ValidationFailed) as caught:
        await revoke_token(principal=partner, tokens=tokens, token=None, jti=partner.token_id)
    assert caught.value.field == ["token"]
    _, staff = await staff_token(tokens)
    with pytest.raises(ValidationFailed, match="at most 64"):
        await revoke_token(principal=staff, tokens=tokens, token=None, jti="j" * 65)
    assert (await revoke_token(principal=staff, tokens=tokens, token=None, jti=partner.token_id)).jti == partner.token_id
    stored = await RevokedToken.get(jti=partner.token_id)
    assert stored.revoked_by == f"staff:{staff.subject}"
    assert stored.expires_at <= datetime.now(timezone.utc) + timedelta(hours=1, seconds=5)
    assert not await principal_is_live(partner)


async def test_a_customer_token_never_outlives_the_token_that_minted_it(database_url):
    """Issue 19: its expiry could exceed the minting token's; now it is capped at it."""
    tokens = await authority()
    _, partner, customer = await partner_with_customer(tokens, "delegated-cap")
    soon = int(datetime.now(timezone.utc).timestamp()) + 100
    minted = await create_customer_token(principal=replace(partner, expires_at=soon), tokens=tokens,
                                         customer_id=customer.id, scopes=["wallets:read"], ttl_s=MAX_CUSTOMER_TOKEN_TTL_S)
    principal = tokens.verify(minted.token)
    assert principal.expires_at is not None and principal.expires_at <= soon
    assert minted.expires_at.timestamp() <= soon + 1


async def test_revoking_the_minting_token_revokes_the_customer_tokens_it_minted(database_url):
    """Issue 19: a customer token outlived the revocation of the partner token that minted it."""
    tokens = await authority()
    token, partner, customer = await partner_with_customer(tokens, "delegated-cascade")
    minted = await create_customer_token(principal=partner, tokens=tokens, customer_id=customer.id,
                                         scopes=["wallets:read"], ttl_s=120)
    child = tokens.verify(minted.token)
    assert child.minted_by == partner.token_id and partner.token_id is not None
    assert await principal_is_live(child)
    await revoke_token(principal=partner, tokens=tokens, token=token, jti=None)
    assert not await principal_is_live(child)
    # Another partner token's children live on.
    token2, partner2, customer2 = await partner_with_customer(tokens, "delegated-cascade-2")
    other = tokens.verify((await create_customer_token(principal=partner2, tokens=tokens, customer_id=customer2.id,
                                                       scopes=["wallets:read"], ttl_s=120)).token)
    assert await principal_is_live(other)
