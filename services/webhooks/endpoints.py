"""Managing a partner's webhook endpoints: create (secret shown once), update, disable/enable, delete, rotate."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import WebhookEndpoint
from models.ids import uuid7
from services.authority import require_partner_token
from services.errors import LimitExceeded, ValidationFailed
from services.pagination import Page, keyset_page, map_page
from services.events import EVENT_TYPES, INTERNAL_EVENT_TYPES
from services.pii import decrypt_value, encrypt_value, pii_context
from services.scoping import get_scoped, of_tenant, partner_row, partner_scoped
from services.webhooks import config
from services.webhooks.records import CreatedEndpoint, DeletedEndpoint, WebhookEndpointRecord
from services.webhooks.signing import new_secret
from services.webhooks.url_safety import check_url

MAX_ENDPOINTS_PER_PARTNER = 10
MAX_DESCRIPTION_CHARS = 255
ROTATION_GRACE = timedelta(hours=24)  # the old secret keeps signing (beside the new one) this long
ALL_EVENTS = "*"
ENABLED, DISABLED, FAILING = "ENABLED", "DISABLED", "FAILING"


def partner_event_types() -> frozenset[str]:
    """The event types a partner may subscribe to (internal ones are never sent to partners)."""
    return frozenset(EVENT_TYPES - INTERNAL_EVENT_TYPES)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _partner_id(principal: Principal) -> uuid.UUID:
    """The calling partner: endpoints are managed with the partner's own token only (FORBIDDEN otherwise)."""
    require_partner_token(principal)
    assert principal.partner_id is not None
    return principal.partner_id


def check_event_types(event_types: list[str]) -> list[str]:
    """The subscribed types, deduplicated and sorted; VALIDATION for an empty list or an unknown type."""
    wanted = sorted(set(event_types or []))
    if not wanted:
        raise ValidationFailed("subscribe to at least one event type (or \"*\" for all)", field=["eventTypes"])
    unknown = [t for t in wanted if t != ALL_EVENTS and t not in partner_event_types()]
    if unknown:
        raise ValidationFailed(f"unknown event type(s): {', '.join(unknown)}", field=["eventTypes"])
    return [ALL_EVENTS] if ALL_EVENTS in wanted else wanted


def _check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise ValidationFailed(f"the description is at most {MAX_DESCRIPTION_CHARS} characters", field=["description"])
    return description


async def _check_url(url: str) -> str:
    await check_url(url, production=config.is_production(), allow_private=config.allow_private_urls())
    return url.strip()


def secret_context(endpoint_id: uuid.UUID, column: str = "secret_enc") -> str:
    return pii_context("webhook_endpoint", column, endpoint_id)


async def create_endpoint(
    *, principal: Principal, url: str, event_types: list[str], description: str | None = None,
) -> CreatedEndpoint:
    """A new enabled endpoint and its signing secret (returned here only)."""
    partner_id = _partner_id(principal)
    types = check_event_types(event_types)
    text = _check_description(description)
    url = await _check_url(url)
    endpoint_id, secret = uuid7(), new_secret()
    sealed = await encrypt_value(secret, context=secret_context(endpoint_id))
    async with in_transaction():
        # Lock the partner's row so two concurrent creations cannot both pass the count.
        await partner_row(partner_id).select_for_update().first()
        if await of_tenant(WebhookEndpoint, partner_id).count() >= MAX_ENDPOINTS_PER_PARTNER:
            raise LimitExceeded(f"a partner may have at most {MAX_ENDPOINTS_PER_PARTNER} webhook endpoints", field=["url"])
        endpoint = await WebhookEndpoint.create(
            id=endpoint_id, partner_id=partner_id, url=url, description=text, event_types=types, secret_enc=sealed,
        )
    return CreatedEndpoint(endpoint=WebhookEndpointRecord.from_row(endpoint), secret=secret)


async def own_endpoint(*, principal: Principal, endpoint_id: uuid.UUID | None) -> WebhookEndpoint:
    """The partner's own endpoint row; NOT_FOUND for another partner's or a missing one."""
    _partner_id(principal)
    return await get_scoped(WebhookEndpoint, principal, endpoint_id, what="webhook endpoint", field=["endpointId"])


async def get_endpoint(*, principal: Principal, endpoint_id: uuid.UUID | None) -> WebhookEndpointRecord:
    """The partner's own endpoint; NOT_FOUND for another partner's or a missing one."""
    # Bank staff read any partner's (support); only the partner's own token changes them (own_endpoint).
    row = await get_scoped(WebhookEndpoint, principal, endpoint_id, what="webhook endpoint", field=["endpointId"])
    return WebhookEndpointRecord.from_row(row)


async def list_endpoints(
    *, principal: Principal, first: int | None = None, after: str | None = None,
) -> Page[WebhookEndpointRecord]:
    """The partner's endpoints, oldest first (at most MAX_ENDPOINTS_PER_PARTNER)."""
    page = await keyset_page(partner_scoped(WebhookEndpoint, principal), first=first, after=after)
    return map_page(page, WebhookEndpointRecord.from_row)


async def update_endpoint(
    *, principal: Principal, endpoint_id: uuid.UUID | None, url: str | None = None, event_types: list[str] | None = None,
    description: str | None = None, enabled: bool | None = None,
) -> WebhookEndpointRecord:
    """Change the URL, event types, description or enabled state; every check passes before anything is saved."""
    endpoint = await own_endpoint(principal=principal, endpoint_id=endpoint_id)
    changes: dict[str, object] = {}
    if event_types is not None:
        changes["event_types"] = check_event_types(event_types)
    if description is not None:
        changes["description"] = _check_description(description)
    if url is not None:
        changes["url"] = await _check_url(url)
    if enabled is True and endpoint.status != ENABLED:
        changes.update(status=ENABLED, disabled_reason=None, failing_since=None)
    elif enabled is False and endpoint.status == ENABLED:
        changes.update(status=DISABLED, disabled_reason="disabled by the partner")
    if changes:
        await WebhookEndpoint.filter(id=endpoint.id).update(**changes, updated_at=_now())
        await endpoint.refresh_from_db()
    return WebhookEndpointRecord.from_row(endpoint)


async def delete_endpoint(*, principal: Principal, endpoint_id: uuid.UUID | None) -> DeletedEndpoint:
    """Delete the endpoint and its delivery log."""
    endpoint = await own_endpoint(principal=principal, endpoint_id=endpoint_id)
    await endpoint.delete()
    return DeletedEndpoint(id=endpoint.id, partner_id=endpoint.partner_id)


async def rotate_secret(*, principal: Principal, endpoint_id: uuid.UUID | None, now: datetime | None = None) -> CreatedEndpoint:
    """A new secret; the old one keeps signing beside it for ROTATION_GRACE, so receivers can switch without loss."""
    endpoint = await own_endpoint(principal=principal, endpoint_id=endpoint_id)
    now = now or _now()
    current = await decrypt_value(endpoint.secret_enc, context=secret_context(endpoint.id))
    secret = new_secret()
    endpoint.secret_enc = await encrypt_value(secret, context=secret_context(endpoint.id))
    endpoint.previous_secret_enc = await encrypt_value(current, context=secret_context(endpoint.id, "previous_secret_enc"))
    endpoint.previous_secret_expires_at = now + ROTATION_GRACE
    await endpoint.save(update_fields=["secret_enc", "previous_secret_enc", "previous_secret_expires_at", "updated_at"])
    return CreatedEndpoint(endpoint=WebhookEndpointRecord.from_row(endpoint), secret=secret)


async def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its grace period."""
    found = [await decrypt_value(endpoint.secret_enc, context=secret_context(endpoint.id))]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_enc and expires is not None and expires > now:
        found.append(await decrypt_value(endpoint.previous_secret_enc, context=secret_context(endpoint.id, "previous_secret_enc")))
    return found


def subscribes_to(endpoint: WebhookEndpoint | WebhookEndpointRecord, event_type: str) -> bool:
    types = endpoint.event_types or []
    return ALL_EVENTS in types or event_type in types
