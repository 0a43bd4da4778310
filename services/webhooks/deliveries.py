"""Reading a partner's delivery log, redelivering one, and sending a signed test ping."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx

from auth.principal import Principal
from models import WebhookDelivery
from models.ids import uuid7
from services.authority import require_partner_token
from services.errors import ValidationFailed
from services.pagination import Page, keyset_page, map_page
from services.scoping import get_scoped, partner_scoped
from services.webhooks import config
from services.webhooks.body import ping_body
from services.webhooks.dispatcher import PENDING, SUCCEEDED, FAILED, utc_now
from services.webhooks.endpoints import ENABLED, own_endpoint, signing_secrets
from services.webhooks.records import PingResult, WebhookDeliveryRecord
from services.webhooks.sender import build_client, send
from services.webhooks.signing import signed_headers

DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)


async def list_deliveries(
    *, principal: Principal, endpoint_id: uuid.UUID | None = None, status: str | None = None,
    first: int | None = None, after: str | None = None,
) -> Page[WebhookDeliveryRecord]:
    """The partner's deliveries, newest first, optionally of one endpoint and one status."""
    query = partner_scoped(WebhookDelivery, principal)
    if endpoint_id is not None:
        query = query.filter(endpoint_id=(await own_endpoint(principal=principal, endpoint_id=endpoint_id)).id)
    if status is not None:
        if status not in DELIVERY_STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(DELIVERY_STATUSES)}", field=["status"])
        query = query.filter(status=status)
    return map_page(await keyset_page(query, first=first, after=after, newest_first=True), WebhookDeliveryRecord.from_row)


async def _own_delivery(*, principal: Principal, delivery_id: uuid.UUID | None) -> WebhookDelivery:
    """A delivery the partner's own token may act on (FORBIDDEN for other callers, NOT_FOUND for others' rows)."""
    require_partner_token(principal)
    return await get_scoped(WebhookDelivery, principal, delivery_id, what="webhook delivery", field=["deliveryId"])


async def get_delivery(*, principal: Principal, delivery_id: uuid.UUID | None) -> WebhookDeliveryRecord:
    """The partner's own delivery (staff: any partner's, read only); NOT_FOUND for another partner's or a missing one."""
    row = await get_scoped(WebhookDelivery, principal, delivery_id, what="webhook delivery", field=["deliveryId"])
    return WebhookDeliveryRecord.from_row(row)


async def redeliver(*, principal: Principal, delivery_id: uuid.UUID | None, now: datetime | None = None) -> WebhookDeliveryRecord:
    """Queue the delivery again now, with the same webhook-id and body (its attempts keep counting)."""
    delivery = await _own_delivery(principal=principal, delivery_id=delivery_id)
    endpoint = await own_endpoint(principal=principal, endpoint_id=delivery.endpoint_id)
    if endpoint.status != ENABLED:
        raise ValidationFailed("the endpoint is disabled: enable it first", field=["deliveryId"])
    if delivery.status == PENDING:
        raise ValidationFailed("the delivery is already queued", field=["deliveryId"])
    await WebhookDelivery.filter(id=delivery.id).update(status=PENDING, next_attempt_at=now or utc_now(), lease_until=None)
    await delivery.refresh_from_db()
    return WebhookDeliveryRecord.from_row(delivery)


async def send_test(
    *, principal: Principal, endpoint_id: uuid.UUID | None, now: datetime | None = None,
    client: httpx.AsyncClient | None = None,
) -> PingResult:
    """Send a signed `webhook.ping` to the endpoint right away and report what it answered (nothing is queued)."""
    endpoint = await own_endpoint(principal=principal, endpoint_id=endpoint_id)
    now = now or utc_now()
    body, message_id = ping_body(now=now), "msg_" + uuid7().hex
    headers = signed_headers(message_id=message_id, timestamp=now, body=body,
                             secrets_=await signing_secrets(endpoint, now=now))
    kwargs = dict(url=endpoint.url, body=body, headers=headers, production=config.is_production(),
                  allow_private=config.allow_private_urls())
    if client is not None:
        result = await send(client, **kwargs)
    else:
        async with build_client() as own:
            result = await send(own, **kwargs)
    return PingResult(
        id=endpoint.id, partner_id=endpoint.partner_id, message_id=message_id, body=body.decode(),
        response_status=result.status, response_body=result.body, error=result.error, latency_ms=result.latency_ms,
    )
