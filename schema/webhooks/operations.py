"""Webhook queries and mutations: thin resolvers over services/webhooks (partner tokens with webhooks:manage)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.errors import attempt
from schema.common.permissions import requires_partner
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid, to_global_id
from schema.webhooks.types import (
    WebhookDelivery, WebhookDeliveryPayload, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointDeletePayload,
    WebhookEndpointPayload, WebhookEndpointSecretPayload, WebhookPing, WebhookTestPayload,
)
from services.errors import NotFound
from services.webhooks import deliveries, endpoints

MANAGE = requires_partner("webhooks:manage")


@strawberry.input(description="A new webhook endpoint.")
class WebhookEndpointCreateInput:
    url: str = strawberry.field(description="Where to POST deliveries: https (http only outside production), at most"
                                " 2048 characters, never a loopback, private, link-local or metadata address (VALIDATION).")
    event_types: list[str] = strawberry.field(description="Event types to receive (README, Events), or [\"*\"] for all;"
                                              " an unknown or internal type is VALIDATION.")
    description: str | None = strawberry.field(default=None, description="Your own note, at most 255 characters.")


@strawberry.input(description="Changes to an endpoint; omitted fields stay as they are.")
class WebhookEndpointUpdateInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint's global ID; an unknown one is NOT_FOUND.")
    url: str | None = strawberry.field(default=None, description="A new URL, checked as at creation.")
    event_types: list[str] | None = strawberry.field(default=None, description="A new list of event types.")
    description: str | None = strawberry.field(default=None, description="A new note.")
    enabled: bool | None = strawberry.field(default=None, description="false disables the endpoint (no new deliveries,"
                                            " pending ones wait); true enables it again, also after the bank disabled it as FAILING.")


@strawberry.input(description="Which endpoint.")
class WebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint's global ID; an unknown one is NOT_FOUND.")


@strawberry.input(description="Which delivery to send again.")
class WebhookRedeliverInput:
    delivery_id: strawberry.ID = strawberry.field(description="The WebhookDelivery's global ID; an unknown one is NOT_FOUND.")


def _endpoint_id(value: strawberry.ID | None):  # noqa: ANN202 - a UUID or None (answered NOT_FOUND)
    return global_id_to_uuid(value, "WebhookEndpoint")


@strawberry.type
class WebhookQueries:
    @strawberry.field(permission_classes=MANAGE, description="Your webhook endpoints, oldest first (webhooks:manage).")
    async def webhook_endpoints(self, info: Info, first: FirstArg = None, after: AfterArg = None) -> Connection[WebhookEndpoint]:
        page = await endpoints.list_endpoints(principal=info.context.principal, first=first, after=after)
        return Connection.from_page(page, WebhookEndpoint.from_record)

    @strawberry.field(permission_classes=MANAGE, description="Your webhook deliveries, newest first, with the request,"
                      " the latest response status, latency and attempt number (webhooks:manage).")
    async def webhook_deliveries(
        self, info: Info,
        endpoint_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this endpoint's deliveries; an unknown one is NOT_FOUND.")] = None,
        status: Annotated[WebhookDeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")] = None,
        first: FirstArg = None, after: AfterArg = None,
    ) -> Connection[WebhookDelivery]:
        endpoint = _endpoint_id(endpoint_id) if endpoint_id is not None else None
        if endpoint_id is not None and endpoint is None:
            raise NotFound("no such webhook endpoint", field=["endpointId"])
        page = await deliveries.list_deliveries(
            principal=info.context.principal, endpoint_id=endpoint, status=status.value if status else None,
            first=first, after=after,
        )
        return Connection.from_page(page, WebhookDelivery.from_record)


ChangeArg = strawberry.argument(description="The fields of this change.")


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(permission_classes=MANAGE, description="Register an endpoint; answers its signing secret once.")
    async def webhook_endpoint_create(self, info: Info, input: Annotated[WebhookEndpointCreateInput, ChangeArg]) -> WebhookEndpointSecretPayload:
        created, errors = await attempt(info, endpoints.create_endpoint(
            principal=info.context.principal, url=input.url, event_types=input.event_types, description=input.description,
        ))
        if created is None:
            return WebhookEndpointSecretPayload(webhook_endpoint=None, signing_secret=None, user_errors=errors)
        return WebhookEndpointSecretPayload(webhook_endpoint=WebhookEndpoint.from_record(created.endpoint),
                                            signing_secret=created.secret, user_errors=[])

    @strawberry.mutation(permission_classes=MANAGE, description="Change an endpoint's URL, event types, note, or enable/disable it.")
    async def webhook_endpoint_update(self, info: Info, input: Annotated[WebhookEndpointUpdateInput, ChangeArg]) -> WebhookEndpointPayload:
        record, errors = await attempt(info, endpoints.update_endpoint(
            principal=info.context.principal, endpoint_id=_endpoint_id(input.endpoint_id), url=input.url,
            event_types=input.event_types, description=input.description, enabled=input.enabled,
        ))
        return WebhookEndpointPayload(webhook_endpoint=WebhookEndpoint.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=MANAGE, description="Delete an endpoint and its delivery log.")
    async def webhook_endpoint_delete(self, info: Info, input: Annotated[WebhookEndpointInput, ChangeArg]) -> WebhookEndpointDeletePayload:
        deleted, errors = await attempt(info, endpoints.delete_endpoint(
            principal=info.context.principal, endpoint_id=_endpoint_id(input.endpoint_id)))
        return WebhookEndpointDeletePayload(
            deleted_webhook_endpoint_id=to_global_id("WebhookEndpoint", deleted.id) if deleted else None, user_errors=errors)

    @strawberry.mutation(permission_classes=MANAGE, description="A new signing secret, answered once; for 24 hours the"
                         " old one signs too (two signatures in webhook-signature), so receivers switch without loss.")
    async def webhook_endpoint_rotate_secret(self, info: Info, input: Annotated[WebhookEndpointInput, ChangeArg]) -> WebhookEndpointSecretPayload:
        rotated, errors = await attempt(info, endpoints.rotate_secret(
            principal=info.context.principal, endpoint_id=_endpoint_id(input.endpoint_id)))
        if rotated is None:
            return WebhookEndpointSecretPayload(webhook_endpoint=None, signing_secret=None, user_errors=errors)
        return WebhookEndpointSecretPayload(webhook_endpoint=WebhookEndpoint.from_record(rotated.endpoint),
                                            signing_secret=rotated.secret, user_errors=[])

    @strawberry.mutation(permission_classes=MANAGE, description="Queue a finished delivery again now, with the same webhook-id.")
    async def webhook_redeliver(self, info: Info, input: Annotated[WebhookRedeliverInput, ChangeArg]) -> WebhookDeliveryPayload:
        record, errors = await attempt(info, deliveries.redeliver(
            principal=info.context.principal, delivery_id=global_id_to_uuid(input.delivery_id, "WebhookDelivery")))
        return WebhookDeliveryPayload(webhook_delivery=WebhookDelivery.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=MANAGE, description="Send a signed webhook.ping to the endpoint now and answer what it said.")
    async def webhook_test(self, info: Info, input: Annotated[WebhookEndpointInput, ChangeArg]) -> WebhookTestPayload:
        result, errors = await attempt(info, deliveries.send_test(
            principal=info.context.principal, endpoint_id=_endpoint_id(input.endpoint_id)))
        return WebhookTestPayload(ping=WebhookPing.from_record(result) if result else None, user_errors=errors)
