"""GraphQL types of webhook endpoints, deliveries and test pings."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.errors import UserError
from schema.common.relay import Node, to_global_id
from services.webhooks.records import PingResult, WebhookDeliveryRecord, WebhookEndpointRecord


@strawberry.enum(description="Whether an endpoint receives deliveries.")
class WebhookEndpointStatus(Enum):
    ENABLED = strawberry.enum_value("ENABLED", description="Receives a delivery for every subscribed event.")
    DISABLED = strawberry.enum_value("DISABLED", description="Disabled by the partner (webhookEndpointUpdate enabled: false).")
    FAILING = strawberry.enum_value(
        "FAILING", description="Disabled by the bank after every attempt of a delivery failed for more than 24 hours;"
        " disabledReason says why. Enable it again with webhookEndpointUpdate (enabled: true)."
    )


@strawberry.enum(description="Where one delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for its first attempt or its next retry (nextAttemptAt).")
    SUCCEEDED = strawberry.enum_value("SUCCEEDED", description="The endpoint answered 2xx.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Every attempt failed (retries span more than 24 hours); webhookRedeliver queues it again."
    )


@strawberry.type(description="A partner's HTTPS URL that receives signed events (Standard Webhooks). Its signing secret"
                 " is shown only by webhookEndpointCreate and webhookEndpointRotateSecret.")
class WebhookEndpoint(Node):
    url: str = strawberry.field(description="Where deliveries are POSTed (https in production).")
    description: str = strawberry.field(description="The partner's own note about the endpoint (may be empty).")
    event_types: list[str] = strawberry.field(description="The subscribed event types, sorted; [\"*\"] for every partner event.")
    status: WebhookEndpointStatus = strawberry.field(description="ENABLED, DISABLED by the partner, or FAILING (disabled by the bank).")
    disabled_reason: str | None = strawberry.field(description="Why the endpoint is not ENABLED; null when it is.")
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After a rotation: until when the previous secret still signs too (both signatures are sent); null otherwise."
    )
    created_at: datetime = strawberry.field(description="When the endpoint was created.")
    updated_at: datetime = strawberry.field(description="When the endpoint last changed.")

    @classmethod
    def from_record(cls, record: WebhookEndpointRecord) -> WebhookEndpoint:
        return cls(
            id=to_global_id("WebhookEndpoint", record.id), url=record.url, description=record.description,
            event_types=list(record.event_types), status=WebhookEndpointStatus(record.status),
            disabled_reason=record.disabled_reason, previous_secret_expires_at=record.previous_secret_expires_at,
            created_at=record.created_at, updated_at=record.updated_at,
        )


@strawberry.type(description="One event sent (or to be sent) to one endpoint, with the outcome of its latest attempt.")
class WebhookDelivery(Node):
    endpoint_id: strawberry.ID = strawberry.field(description="The WebhookEndpoint's global ID.")
    webhook_id: str = strawberry.field(description="The webhook-id header: the same on every attempt, so receivers can drop repeats.")
    event_type: str = strawberry.field(description="The event's type, e.g. wallet.frozen.")
    request_body: str = strawberry.field(description="The exact JSON body that is signed and sent.")
    status: WebhookDeliveryStatus = strawberry.field(description="PENDING, SUCCEEDED or FAILED.")
    attempt: int = strawberry.field(description="How many attempts were made so far.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next attempt is due; null unless PENDING.")
    last_attempt_at: datetime | None = strawberry.field(description="When the latest attempt was made; null before the first.")
    response_status: int | None = strawberry.field(description="The HTTP status of the latest attempt; null when none came back.")
    response_body: str | None = strawberry.field(description="The latest response body, at most its first 64 KiB.")
    error: str | None = strawberry.field(description="Why the latest attempt failed (timeout, connection, HTTP status); null on success.")
    latency_ms: int | None = strawberry.field(description="How long the latest attempt took, in milliseconds.")
    created_at: datetime = strawberry.field(description="When the delivery was created from its event.")

    @classmethod
    def from_record(cls, record: WebhookDeliveryRecord) -> WebhookDelivery:
        return cls(
            id=to_global_id("WebhookDelivery", record.id), endpoint_id=to_global_id("WebhookEndpoint", record.endpoint_id),
            webhook_id=record.message_id, event_type=record.event_type, request_body=record.body,
            status=WebhookDeliveryStatus(record.status), attempt=record.attempt, next_attempt_at=record.next_attempt_at,
            last_attempt_at=record.last_attempt_at, response_status=record.last_response_status,
            response_body=record.last_response_body, error=record.last_error, latency_ms=record.last_latency_ms,
            created_at=record.created_at,
        )


@strawberry.type(description="What the endpoint answered to a signed webhook.ping (nothing is queued or retried).")
class WebhookPing:
    webhook_id: str = strawberry.field(description="The ping's webhook-id header.")
    request_body: str = strawberry.field(description="The exact JSON body that was signed and sent.")
    succeeded: bool = strawberry.field(description="True when the endpoint answered 2xx.")
    response_status: int | None = strawberry.field(description="The HTTP status; null when no response came back.")
    response_body: str | None = strawberry.field(description="The response body, at most its first 64 KiB.")
    error: str | None = strawberry.field(description="Why the ping failed; null on success.")
    latency_ms: int = strawberry.field(description="How long the ping took, in milliseconds.")

    @classmethod
    def from_record(cls, record: PingResult) -> WebhookPing:
        return cls(webhook_id=record.message_id, request_body=record.body, succeeded=record.succeeded,
                   response_status=record.response_status, response_body=record.response_body, error=record.error,
                   latency_ms=record.latency_ms)


@strawberry.type(description="An endpoint after a change, or why not.")
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (unknown endpoint) or VALIDATION (unknown event type, unsafe URL, bad description); empty on success."
    )


@strawberry.type(description="An endpoint with its signing secret (shown once), or why not.")
class WebhookEndpointSecretPayload:
    webhook_endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint; null when refused.")
    signing_secret: str | None = strawberry.field(description="Shown once (whsec_...): store it now to verify signatures.")
    user_errors: list[UserError] = strawberry.field(
        description="VALIDATION (unknown event type, unsafe URL), LIMIT_EXCEEDED (too many endpoints) or NOT_FOUND; empty on success."
    )


@strawberry.type(description="The deleted endpoint's ID, or why not.")
class WebhookEndpointDeletePayload:
    deleted_webhook_endpoint_id: strawberry.ID | None = strawberry.field(description="The deleted endpoint's global ID; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="NOT_FOUND (unknown endpoint); empty on success.")


@strawberry.type(description="A delivery queued again, or why not.")
class WebhookDeliveryPayload:
    webhook_delivery: WebhookDelivery | None = strawberry.field(description="The delivery, now PENDING; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (unknown delivery) or VALIDATION (already pending, or its endpoint is disabled); empty on success."
    )


@strawberry.type(description="The outcome of a signed test ping, or why none was sent.")
class WebhookTestPayload:
    ping: WebhookPing | None = strawberry.field(description="What the endpoint answered; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="NOT_FOUND (unknown endpoint); empty on success.")
