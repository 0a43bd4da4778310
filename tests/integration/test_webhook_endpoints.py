"""services.webhooks.endpoints: partners manage their endpoints; bad input changes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from models import WebhookEndpoint
from services.errors import Forbidden, LimitExceeded, NotFound, ValidationFailed
from services.webhooks import endpoints
from services.webhooks.endpoints import (
    MAX_ENDPOINTS_PER_PARTNER, create_endpoint, delete_endpoint, rotate_secret, signing_secrets, update_endpoint,
)
from services.webhooks.records import WebhookEndpointRecord
from services.webhooks.url_safety import UnsafeWebhookUrl
from tests.integration.service_support import new_partner

PUBLIC = "https://93.184.216.34/hook"


async def test_create_returns_the_secret_once_and_stores_it_sealed(database_url):
    principal = await new_partner("wh-create")
    created = await create_endpoint(principal=principal, url=PUBLIC, event_types=["wallet.frozen", "kyc.approved"],
                                    description="main")
    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert isinstance(created.endpoint, WebhookEndpointRecord)  # a plain record, never the ORM row
    assert created.audit_target().object_type == "WebhookEndpoint"
    assert created.secret.startswith("whsec_") and created.secret not in row.secret_enc
    assert row.event_types == ["kyc.approved", "wallet.frozen"] and row.status == "ENABLED"
    assert await signing_secrets(row, now=datetime.now(timezone.utc)) == [created.secret]


@pytest.mark.parametrize("kwargs, error, field", [
    ({"event_types": ["wallet.exploded"]}, ValidationFailed, ["eventTypes"]),
    ({"event_types": []}, ValidationFailed, ["eventTypes"]),
    ({"event_types": ["aml.alert_raised"]}, ValidationFailed, ["eventTypes"]),  # internal: never sent to partners
    ({"url": "http://127.0.0.1/hook"}, UnsafeWebhookUrl, ["url"]),
    ({"url": "https://10.0.0.8/hook"}, UnsafeWebhookUrl, ["url"]),
    ({"url": "https://169.254.169.254/"}, UnsafeWebhookUrl, ["url"]),
    ({"url": "gopher://example.com/"}, UnsafeWebhookUrl, ["url"]),
    ({"description": "x" * 300}, ValidationFailed, ["description"]),
])
async def test_bad_input_is_refused_and_creates_nothing(database_url, kwargs, error, field):
    principal = await new_partner("wh-bad")
    arguments = {"url": PUBLIC, "event_types": ["wallet.frozen"], **kwargs}
    with pytest.raises(error) as caught:
        await create_endpoint(principal=principal, **arguments)
    assert caught.value.field == field
    assert await WebhookEndpoint.filter(partner_id=principal.partner_id).count() == 0


async def test_too_many_endpoints(database_url):
    principal = await new_partner("wh-many")
    for _ in range(MAX_ENDPOINTS_PER_PARTNER):
        await create_endpoint(principal=principal, url=PUBLIC, event_types=["*"])
    with pytest.raises(LimitExceeded):
        await create_endpoint(principal=principal, url=PUBLIC, event_types=["*"])
    assert await WebhookEndpoint.filter(partner_id=principal.partner_id).count() == MAX_ENDPOINTS_PER_PARTNER


async def test_another_partners_endpoint_is_not_found(database_url):
    owner, other = await new_partner("wh-own"), await new_partner("wh-other")
    endpoint = (await create_endpoint(principal=owner, url=PUBLIC, event_types=["*"])).endpoint
    for call in (
        lambda: update_endpoint(principal=other, endpoint_id=endpoint.id, description="mine now"),
        lambda: delete_endpoint(principal=other, endpoint_id=endpoint.id),
        lambda: rotate_secret(principal=other, endpoint_id=endpoint.id),
        lambda: update_endpoint(principal=owner, endpoint_id=uuid.uuid4(), description="?"),
    ):
        with pytest.raises(NotFound):
            await call()
    assert (await WebhookEndpoint.get(id=endpoint.id)).description == ""


async def test_update_checks_everything_before_saving(database_url):
    principal = await new_partner("wh-update")
    endpoint = (await create_endpoint(principal=principal, url=PUBLIC, event_types=["wallet.frozen"])).endpoint
    with pytest.raises(UnsafeWebhookUrl):
        await update_endpoint(principal=principal, endpoint_id=endpoint.id, url="https://192.168.1.1/", description="new")
    assert (await WebhookEndpoint.get(id=endpoint.id)).description == ""
    disabled = await update_endpoint(principal=principal, endpoint_id=endpoint.id, enabled=False, event_types=["*"])
    assert disabled.status == "DISABLED" and disabled.event_types == ("*",)
    enabled = await update_endpoint(principal=principal, endpoint_id=endpoint.id, enabled=True)
    assert enabled.status == "ENABLED"
    assert (await delete_endpoint(principal=principal, endpoint_id=endpoint.id)).id == endpoint.id
    assert not await WebhookEndpoint.exists(id=endpoint.id)


async def test_rotation_signs_with_both_secrets_during_the_grace_period(database_url):
    principal = await new_partner("wh-rotate")
    created = await create_endpoint(principal=principal, url=PUBLIC, event_types=["*"])
    now = datetime.now(timezone.utc)
    rotated = await rotate_secret(principal=principal, endpoint_id=created.endpoint.id, now=now)
    row = await WebhookEndpoint.get(id=created.endpoint.id)
    assert await signing_secrets(row, now=now + timedelta(hours=1)) == [rotated.secret, created.secret]
    assert await signing_secrets(row, now=now + endpoints.ROTATION_GRACE + timedelta(seconds=1)) == [rotated.secret]


async def test_customer_and_staff_principals_have_no_endpoints(database_url):
    from auth.principal import Principal

    staff = Principal(kind="staff", subject="s", partner_id=None, scopes=frozenset({"webhooks:manage"}))
    with pytest.raises(Forbidden):  # only the partner's own token manages endpoints
        await create_endpoint(principal=staff, url=PUBLIC, event_types=["*"])
