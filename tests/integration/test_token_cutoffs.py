"""Token cutoffs: a suspension or a secret rotation refuses every token issued before it, for good.

services.partners.status, services.partners.api_clients (rotation with and
without a grace period), services.partners.client_credentials (the replaced
secret during its grace period) and services.token_liveness (the cutoff check
and the wait before issuing).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest

from auth.principal import Principal
from auth.tokens import TokenAuthority
from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerStatus
from services.customers import create_customer
from services.errors import ValidationFailed
from services.partners.api_clients import MAX_ROTATION_GRACE_S, revoke_api_client, rotate_client_secret
from services.partners.client_credentials import authenticate_client
from services.partners.onboarding import create_partner
from services.partners.records import ApiClientRecord
from services.partners.status import set_partner_status
from services.token_liveness import principal_is_live, token_cutoff, wait_until_tokens_live
from tests.integration.token_support import authority


async def _issue(tokens: TokenAuthority, client_id: str, partner_id: uuid.UUID) -> Principal:
    """A partner token as the token endpoint issues it (after waiting for the cutoffs), verified back."""
    token, _ = tokens.issue_partner_token(client_id=client_id, partner_id=partner_id, scopes=["wallets:read"], ttl_s=300)
    return tokens.verify(token)


async def _token_endpoint(tokens: TokenAuthority, client_id: str, secret: str) -> Principal | None:
    """What /oauth/token does: check the credentials (which waits for the cutoffs), then issue."""
    found = await authenticate_client(client_id=client_id, client_secret=secret)
    if found is None:
        return None
    return await _issue(tokens, found.client.client_id, found.partner.id)


# --- the cutoff and the wait ---------------------------------------------------


def test_a_cutoff_is_the_second_after_the_change():
    assert token_cutoff(1_000.0) == 1_001 and token_cutoff(1_000.999) == 1_001
    assert token_cutoff() in (int(time.time()) + 1, int(time.time()) + 2)


async def test_issuers_wait_for_a_cutoff_in_this_second_and_never_for_none():
    started = time.monotonic()
    await wait_until_tokens_live(None, None)
    await wait_until_tokens_live(int(time.time()) - 5)
    assert time.monotonic() - started < 0.05
    cutoff = token_cutoff()
    await wait_until_tokens_live(None, cutoff)
    assert int(time.time()) >= cutoff


# --- item 1: suspension --------------------------------------------------------


async def test_reactivating_a_partner_does_not_revive_tokens_issued_before_the_suspension(database_url):
    tokens = await authority()
    created = await create_partner(name="cutoff-suspend")
    client_id, partner_id = created.client.client_id, created.partner.id
    before = await _token_endpoint(tokens, client_id, created.client_secret)
    assert before is not None
    customer = await create_customer(principal=before, external_ref="cutoff-1", kind="INDIVIDUAL",
                                     display_name="Cut Off", country="CN")
    delegated, _ = tokens.issue_customer_token(client_id=client_id, partner_id=partner_id, customer_id=customer.id,
                                               scopes=["wallets:read"], ttl_s=300)
    frontend = tokens.verify(delegated)
    assert await principal_is_live(before) and await principal_is_live(frontend)

    suspended = await set_partner_status(partner_id=partner_id, status=PartnerStatus.SUSPENDED, reason="audit")
    row = await Partner.get(id=partner_id)
    assert suspended.status == PartnerStatus.SUSPENDED and row.min_token_iat_s is not None
    assert before.issued_at is not None and row.min_token_iat_s > before.issued_at
    assert not await principal_is_live(before) and not await principal_is_live(frontend)
    assert await authenticate_client(client_id=client_id, client_secret=created.client_secret) is None

    await set_partner_status(partner_id=partner_id, status=PartnerStatus.ACTIVE, reason="cleared")
    assert (await Partner.get(id=partner_id)).min_token_iat_s == row.min_token_iat_s  # a reactivation moves nothing
    assert not await principal_is_live(before)
    assert not await principal_is_live(frontend)  # the customer token the partner delegated, too
    after = await _token_endpoint(tokens, client_id, created.client_secret)
    assert after is not None and after.issued_at is not None and after.issued_at >= row.min_token_iat_s
    assert await principal_is_live(after)


async def test_a_second_suspension_moves_the_cutoff_forward(database_url):
    created = await create_partner(name="cutoff-twice")
    await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.SUSPENDED, reason="one")
    first = (await Partner.get(id=created.partner.id)).min_token_iat_s
    await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.ACTIVE, reason="back")
    await Partner.filter(id=created.partner.id).update(min_token_iat_s=first - 100)  # as if long ago
    await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.SUSPENDED, reason="two")
    assert (await Partner.get(id=created.partner.id)).min_token_iat_s >= first


# --- item 2: rotation and revocation ------------------------------------------


async def test_rotating_without_grace_refuses_the_clients_earlier_tokens_at_once(database_url):
    tokens = await authority()
    created = await create_partner(name="cutoff-rotate")
    before = await _token_endpoint(tokens, created.client.client_id, created.client_secret)
    assert before is not None and await principal_is_live(before)
    rotated = await rotate_client_secret(api_client_id=created.client.id)
    assert rotated.client.rotation_grace_ends_at is None
    row = await ApiClient.get(id=created.client.id)
    assert (row.previous_secret_hash, row.previous_secret_expires_s, row.pending_min_token_iat_s) == (None, None, None)
    assert row.min_token_iat_s is not None and row.min_token_iat_s > before.issued_at
    assert not await principal_is_live(before)
    assert await _token_endpoint(tokens, created.client.client_id, created.client_secret) is None
    after = await _token_endpoint(tokens, created.client.client_id, rotated.client_secret)
    assert after is not None and await principal_is_live(after)


async def test_rotating_with_grace_keeps_the_old_secret_and_tokens_until_it_ends(database_url):
    tokens = await authority()
    created = await create_partner(name="cutoff-grace")
    client_id = created.client.client_id
    before = await _token_endpoint(tokens, client_id, created.client_secret)
    assert before is not None
    rotated = await rotate_client_secret(api_client_id=created.client.id, grace_s=600)
    ends = rotated.client.rotation_grace_ends_at
    assert ends is not None and 590 <= ends.timestamp() - time.time() <= 600
    assert await principal_is_live(before)

    # The old secret still authenticates during the grace period; its tokens expire by the end of it.
    old = await authenticate_client(client_id=client_id, client_secret=created.client_secret)
    assert old is not None and old.secret_expires_s == int(ends.timestamp())
    assert 590 <= old.token_ttl_s(3600) <= 600 and old.token_ttl_s(300) == 300
    new = await authenticate_client(client_id=client_id, client_secret=rotated.client_secret)
    assert new is not None and new.secret_expires_s is None and new.token_ttl_s(300) == 300
    during = await _issue(tokens, client_id, created.partner.id)
    assert await principal_is_live(during)

    # The grace period ends (as if 600 s had passed): the old secret and the tokens from before stop.
    await ApiClient.filter(id=created.client.id).update(previous_secret_expires_s=int(time.time()))
    assert not await principal_is_live(replace(before, token_id=str(uuid.uuid4())))
    assert await authenticate_client(client_id=client_id, client_secret=created.client_secret) is None
    assert await principal_is_live(replace(during, token_id=str(uuid.uuid4())))  # issued after the rotation
    assert await _token_endpoint(tokens, client_id, rotated.client_secret) is not None


async def test_a_further_rotation_ends_an_earlier_grace_period_at_once(database_url):
    tokens = await authority()
    created = await create_partner(name="cutoff-again")
    client_id = created.client.client_id
    before = await _token_endpoint(tokens, client_id, created.client_secret)
    first = await rotate_client_secret(api_client_id=created.client.id, grace_s=600)
    between = await _token_endpoint(tokens, client_id, first.client_secret)
    assert before is not None and between is not None and await principal_is_live(before)
    second = await rotate_client_secret(api_client_id=created.client.id, grace_s=300)
    assert not await principal_is_live(before)  # the first grace period is over
    assert await authenticate_client(client_id=client_id, client_secret=created.client_secret) is None
    assert await principal_is_live(between)  # the second one runs: the first new secret and its tokens still work
    assert await authenticate_client(client_id=client_id, client_secret=first.client_secret) is not None
    assert await authenticate_client(client_id=client_id, client_secret=second.client_secret) is not None
    third = await rotate_client_secret(api_client_id=created.client.id)  # no grace: everything older stops
    assert not await principal_is_live(between)
    for secret in (created.client_secret, first.client_secret, second.client_secret):
        assert await authenticate_client(client_id=client_id, client_secret=secret) is None
    assert await _token_endpoint(tokens, client_id, third.client_secret) is not None


@pytest.mark.parametrize("grace", [-1, MAX_ROTATION_GRACE_S + 1, True, 1.5])
async def test_a_grace_period_outside_zero_to_a_day_is_refused_and_nothing_changes(database_url, grace):
    created = await create_partner(name=f"cutoff-bad-grace-{uuid.uuid4().hex[:6]}")
    stored = await ApiClient.get(id=created.client.id)
    with pytest.raises(ValidationFailed) as caught:
        await rotate_client_secret(api_client_id=created.client.id, grace_s=grace)  # type: ignore[arg-type]
    assert caught.value.field == ["graceSeconds"]
    again = await ApiClient.get(id=created.client.id)
    assert (again.secret_hash, again.previous_secret_hash, again.min_token_iat_s) == (stored.secret_hash, None, None)


async def test_a_grace_period_of_a_day_is_allowed(database_url):
    created = await create_partner(name="cutoff-day")
    rotated = await rotate_client_secret(api_client_id=created.client.id, grace_s=MAX_ROTATION_GRACE_S)
    assert rotated.client.rotation_grace_ends_at is not None


async def test_revoking_a_client_stops_its_tokens_and_any_grace_period_at_once(database_url):
    tokens = await authority()
    created = await create_partner(name="cutoff-revoke")
    client_id = created.client.client_id
    before = await _token_endpoint(tokens, client_id, created.client_secret)
    rotated = await rotate_client_secret(api_client_id=created.client.id, grace_s=600)
    during = await _token_endpoint(tokens, client_id, rotated.client_secret)
    assert before is not None and during is not None
    assert await principal_is_live(before) and await principal_is_live(during)
    revoked = await revoke_api_client(api_client_id=created.client.id)
    assert revoked.status == ApiClientStatus.REVOKED and revoked.rotation_grace_ends_at is None
    assert not await principal_is_live(before) and not await principal_is_live(during)
    for secret in (created.client_secret, rotated.client_secret):
        assert await authenticate_client(client_id=client_id, client_secret=secret) is None
    assert (await ApiClient.get(id=created.client.id)).previous_secret_hash is None


async def test_an_api_client_record_shows_a_grace_period_only_while_it_runs(database_url):
    created = await create_partner(name="cutoff-record")
    assert ApiClientRecord.from_row(await ApiClient.get(id=created.client.id)).rotation_grace_ends_at is None
    await rotate_client_secret(api_client_id=created.client.id, grace_s=60)
    row = await ApiClient.get(id=created.client.id)
    running = ApiClientRecord.from_row(row)
    assert running.rotation_grace_ends_at is not None
    assert int(running.rotation_grace_ends_at.timestamp()) == row.previous_secret_expires_s
    row.previous_secret_expires_s = int(time.time()) - 1
    assert ApiClientRecord.from_row(row).rotation_grace_ends_at is None
