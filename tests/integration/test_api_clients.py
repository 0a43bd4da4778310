"""services.partners.api_clients: a partner's API clients: scopes, issuing, rotating and revoking secrets, reading."""

from __future__ import annotations

import uuid

import pytest

from auth.passwords import verify_secret_async
from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from models import ApiClient
from models.enums import ApiClientStatus
from services.errors import NotFound, ValidationFailed
from services.partners.api_clients import (
    check_scopes, clients_of_partners, create_api_client, get_api_client, revoke_api_client, rotate_client_secret,
)
from services.partners.onboarding import create_partner

STAFF = Principal(kind="staff", subject=str(uuid.UUID(int=1)), partner_id=None, role="admin")


def test_scopes_default_to_all_and_are_sorted_without_duplicates():
    assert check_scopes(None) == list(PARTNER_SCOPES)
    assert check_scopes([]) == list(PARTNER_SCOPES)
    assert check_scopes(["wallets:read", "customers:read", "wallets:read"]) == ["customers:read", "wallets:read"]
    with pytest.raises(ValidationFailed, match="unknown scopes: admin:all") as caught:
        check_scopes(["wallets:read", "admin:all"])
    assert caught.value.field == ["scopes"]


async def test_a_further_client_has_its_own_scopes_and_a_secret_shown_once(database_url):
    partner = (await create_partner(name="clients-new")).partner
    issued = await create_api_client(partner_id=partner.id, scopes=["wallets:read"])
    client = await ApiClient.get(id=issued.client.id)
    assert (client.scopes, client.status, client.client_id.startswith("qb_")) == ("wallets:read", ApiClientStatus.ACTIVE, True)
    assert issued.client_secret not in client.secret_hash
    assert await verify_secret_async(client.secret_hash, issued.client_secret)
    assert issued.audit_target().object_type == "ApiClient" and issued.audit_target().object_id == str(issued.client.id)
    with pytest.raises(NotFound):
        await create_api_client(partner_id=uuid.uuid4(), scopes=None)


async def test_rotating_replaces_the_secret_at_once(database_url):
    partner = (await create_partner(name="clients-rotate")).partner
    issued = await create_api_client(partner_id=partner.id, scopes=None)
    rotated = await rotate_client_secret(api_client_id=issued.client.id)
    stored = await ApiClient.get(id=issued.client.id)
    assert rotated.client_secret != issued.client_secret
    assert await verify_secret_async(stored.secret_hash, rotated.client_secret)
    assert not await verify_secret_async(stored.secret_hash, issued.client_secret)


async def test_a_revoked_client_stays_revoked_and_gets_no_new_secret(database_url):
    partner = (await create_partner(name="clients-revoke")).partner
    issued = await create_api_client(partner_id=partner.id, scopes=None)
    assert (await revoke_api_client(api_client_id=issued.client.id)).status == ApiClientStatus.REVOKED
    assert (await ApiClient.get(id=issued.client.id)).status == ApiClientStatus.REVOKED
    with pytest.raises(ValidationFailed, match="already revoked"):
        await revoke_api_client(api_client_id=issued.client.id)
    with pytest.raises(ValidationFailed, match="cannot get a new secret"):
        await rotate_client_secret(api_client_id=issued.client.id)


async def test_unknown_clients_are_not_found(database_url):
    for call in (get_api_client, rotate_client_secret, revoke_api_client):
        for missing in (uuid.uuid4(), None):
            with pytest.raises(NotFound) as caught:
                await call(api_client_id=missing)
            assert caught.value.field == ["apiClientId"]


async def test_clients_of_several_partners_in_scope(database_url):
    first, second = await create_partner(name="clients-a"), await create_partner(name="clients-b")
    extra = await create_api_client(partner_id=first.partner.id, scopes=["fees:read"])
    ids = [first.partner.id, second.partner.id]
    by_staff = await clients_of_partners(principal=STAFF, partner_ids=ids)
    assert [c.id for c in by_staff[first.partner.id]] == sorted([first.client.id, extra.client.id])
    assert [c.id for c in by_staff[second.partner.id]] == [second.client.id]
    own = Principal(kind="partner", subject=first.client.client_id, partner_id=first.partner.id)
    by_partner = await clients_of_partners(principal=own, partner_ids=ids)
    assert [c.id for c in by_partner[first.partner.id]] == sorted([first.client.id, extra.client.id])
    assert by_partner[second.partner.id] == []  # another partner's clients are not its business
