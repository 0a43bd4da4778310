"""What the webhook services hand to the API layer: plain records, never ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from models import WebhookDelivery, WebhookEndpoint
from services.outcome import AuditTarget, ServiceResult


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointRecord(ServiceResult):
    audit_type = "WebhookEndpoint"
    id: uuid.UUID
    partner_id: uuid.UUID
    url: str
    description: str
    event_types: tuple[str, ...]
    status: str
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: WebhookEndpoint) -> WebhookEndpointRecord:
        return cls(
            id=row.id, partner_id=row.partner_id, url=row.url, description=row.description,
            event_types=tuple(row.event_types or ()), status=row.status, disabled_reason=row.disabled_reason,
            previous_secret_expires_at=row.previous_secret_expires_at, created_at=row.created_at, updated_at=row.updated_at,
        )


@dataclass(frozen=True, kw_only=True)
class CreatedEndpoint(ServiceResult):
    """An endpoint with its signing secret, which is shown here once (creation or rotation) and never again."""

    endpoint: WebhookEndpointRecord
    secret: str

    def audit_target(self) -> AuditTarget | None:
        return self.endpoint.audit_target()


@dataclass(frozen=True, kw_only=True)
class DeletedEndpoint(ServiceResult):
    audit_type = "WebhookEndpoint"
    id: uuid.UUID
    partner_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class WebhookDeliveryRecord(ServiceResult):
    audit_type = "WebhookDelivery"
    id: uuid.UUID
    partner_id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str
    event_type: str
    body: str
    status: str
    attempt: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_response_status: int | None
    last_response_body: str | None
    last_error: str | None
    last_latency_ms: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: WebhookDelivery) -> WebhookDeliveryRecord:
        return cls(
            id=row.id, partner_id=row.partner_id, endpoint_id=row.endpoint_id, message_id=row.message_id,
            event_type=row.event_type, body=row.body, status=row.status, attempt=row.attempt,
            next_attempt_at=row.next_attempt_at if row.status == "PENDING" else None, last_attempt_at=row.last_attempt_at,
            last_response_status=row.last_response_status, last_response_body=row.last_response_body,
            last_error=row.last_error, last_latency_ms=row.last_latency_ms, created_at=row.created_at,
        )


@dataclass(frozen=True, kw_only=True)
class PingResult(ServiceResult):
    """What webhookTest's signed ping got back (nothing is queued or retried)."""

    audit_type = "WebhookEndpoint"
    id: uuid.UUID  # the endpoint's
    partner_id: uuid.UUID
    message_id: str
    body: str
    response_status: int | None
    response_body: str | None
    error: str | None
    latency_ms: int

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
