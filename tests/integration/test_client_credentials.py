"""services.partners.client_credentials: the token endpoint's credential check."""

from __future__ import annotations

from models.enums import PartnerStatus
from services.partners.api_clients import create_api_client, revoke_api_client
from services.partners.client_credentials import AuthenticatedClient, authenticate_client
from services.partners.onboarding import create_partner
from services.partners.status import set_partner_status


async def test_the_right_secret_authenticates_with_the_clients_scopes(database_url):
    created = await create_partner(name="credentials-ok")
    extra = await create_api_client(partner_id=created.partner.id, scopes=["wallets:read", "fees:read"])
    found = await authenticate_client(client_id=extra.client.client_id, client_secret=extra.client_secret)
    assert isinstance(found, AuthenticatedClient)
    assert (found.partner.id, found.client.id, found.scopes) == (created.partner.id, extra.client.id, ["fees:read", "wallets:read"])


async def test_a_wrong_secret_or_an_unknown_client_is_refused_alike(database_url):
    created = await create_partner(name="credentials-wrong")
    client_id = created.client.client_id
    assert await authenticate_client(client_id=client_id, client_secret=created.client_secret + "x") is None
    assert await authenticate_client(client_id="qb_" + "0" * 24, client_secret=created.client_secret) is None
    assert await authenticate_client(client_id="", client_secret="whatever") is None
    assert await authenticate_client(client_id="q" * 65, client_secret="whatever") is None
    assert await authenticate_client(client_id=client_id, client_secret="s" * 257) is None
    assert await authenticate_client(client_id=client_id, client_secret=created.client_secret) is not None


async def test_a_revoked_client_or_a_suspended_partner_gets_no_token(database_url):
    created = await create_partner(name="credentials-off")
    extra = await create_api_client(partner_id=created.partner.id, scopes=None)
    await revoke_api_client(api_client_id=extra.client.id)
    assert await authenticate_client(client_id=extra.client.client_id, client_secret=extra.client_secret) is None
    await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.SUSPENDED, reason="review")
    assert await authenticate_client(client_id=created.client.client_id, client_secret=created.client_secret) is None
    await set_partner_status(partner_id=created.partner.id, status=PartnerStatus.ACTIVE, reason="done")
    assert await authenticate_client(client_id=created.client.client_id, client_secret=created.client_secret) is not None
