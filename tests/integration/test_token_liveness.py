"""services.token_liveness: a verified token is refused at once when what it stands for is revoked or suspended."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from models import ApiClient, Partner, RevokedToken, StaffUser
from models.enums import PartnerStatus
from services.caches import LIVE_TOKENS
from services.change_feed import reliable
from services.customers import create_customer
from services.partners.api_clients import revoke_api_client
from services.partners.status import set_partner_status
from services.token_liveness import announce_access_change, forget_live_tokens, principal_is_live
from tests.integration.token_support import authority, partner_token, staff_token


async def test_a_live_partner_token_is_remembered_for_a_moment(database_url):
    tokens = await authority()
    _, principal = await partner_token(tokens, "liveness-remember")
    assert await principal_is_live(principal)
    assert (principal.token_id in LIVE_TOKENS) == reliable()
    forget_live_tokens()
    assert principal.token_id not in LIVE_TOKENS


async def test_a_revoked_client_is_refused_from_the_next_request(database_url):
    tokens = await authority()
    _, principal = await partner_token(tokens, "liveness-client")
    assert await principal_is_live(principal)
    client = await ApiClient.get(client_id=principal.subject)
    await revoke_api_client(api_client_id=client.id)  # announces: the remembered answer is forgotten
    assert principal.token_id not in LIVE_TOKENS
    assert not await principal_is_live(principal)


async def test_a_suspended_partner_is_refused_and_only_new_tokens_are_accepted_once_reactivated(database_url):
    tokens = await authority()
    _, principal = await partner_token(tokens, "liveness-partner")
    await set_partner_status(partner_id=principal.partner_id, status=PartnerStatus.SUSPENDED, reason="audit")
    assert not await principal_is_live(principal)
    await set_partner_status(partner_id=principal.partner_id, status=PartnerStatus.ACTIVE, reason="cleared")
    assert not await principal_is_live(principal)  # issued before the suspension: refused for good
    cutoff = (await Partner.get(id=principal.partner_id)).min_token_iat_s
    assert await principal_is_live(replace(principal, issued_at=cutoff, token_id=str(uuid.uuid4())))


async def test_a_revoked_token_id_is_refused(database_url):
    tokens = await authority()
    _, principal = await partner_token(tokens, "liveness-jti")
    await RevokedToken.create(jti=principal.token_id, expires_at=datetime.now(timezone.utc) + timedelta(hours=1),
                              revoked_by="test")
    await announce_access_change()
    assert not await principal_is_live(principal)


async def test_a_token_claiming_another_partner_is_refused(database_url):
    tokens = await authority()
    _, mine = await partner_token(tokens, "liveness-mine")
    _, theirs = await partner_token(tokens, "liveness-theirs")
    assert not await principal_is_live(replace(mine, partner_id=theirs.partner_id, token_id=str(uuid.uuid4())))
    assert not await principal_is_live(replace(mine, partner_id=None, token_id=str(uuid.uuid4())))


async def test_a_customer_token_lives_only_while_its_customer_is_the_partners(database_url):
    tokens = await authority()
    _, partner = await partner_token(tokens, "liveness-customer")
    customer = await create_customer(principal=partner, external_ref="live-1", kind="INDIVIDUAL", display_name="Live",
                                     country="CN")
    token, _ = tokens.issue_customer_token(client_id=partner.subject, partner_id=partner.partner_id,  # type: ignore[arg-type]
                                           customer_id=customer.id, scopes=["wallets:read"], ttl_s=120)
    principal = tokens.verify(token)
    assert principal.is_customer and principal.customer_id == customer.id
    assert await principal_is_live(principal)
    assert not await principal_is_live(replace(principal, customer_id=uuid.uuid4(), token_id=str(uuid.uuid4())))


async def test_staff_tokens_live_while_the_user_is_active_in_that_role(database_url):
    tokens = await authority()
    user, principal = await staff_token(tokens, role="compliance")
    assert await principal_is_live(principal)
    assert not await principal_is_live(replace(principal, role="admin", token_id=str(uuid.uuid4())))
    await StaffUser.filter(id=user.id).update(active=False)
    await announce_access_change()
    assert not await principal_is_live(principal)
