"""Webhook endpoints of partners and the deliveries made to them (storage only)."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class WebhookEndpoint(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="webhook_endpoints", on_delete=fields.RESTRICT)
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=255, default="")
    event_types = fields.JSONField(default=list)  # ["kyc.approved", ...]; "*" for every partner event
    status = fields.CharField(max_length=16, default="ENABLED")  # ENABLED, DISABLED (by the partner), FAILING (by us)
    disabled_reason = fields.CharField(max_length=255, null=True)
    # The signing secret ("whsec_..."), AES-GCM sealed under a data key (services/pii envelope).
    secret_enc = fields.TextField()
    # During a rotation grace period the old secret signs too (both signatures are sent).
    previous_secret_enc = fields.TextField(null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    # Every event with id <= cursor has been fanned out to this endpoint (its deliveries exist).
    event_cursor = fields.BigIntField(default=0)
    failing_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("partner_id", "status"),)


class WebhookDelivery(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="webhook_deliveries", on_delete=fields.RESTRICT)
    endpoint = fields.ForeignKeyField("models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE)
    # SET NULL: `qianbao events purge` may delete old delivered events; the delivery keeps its own copy (body).
    event = fields.ForeignKeyField("models.DomainEvent", related_name="webhook_deliveries", null=True, on_delete=fields.SET_NULL)
    message_id = fields.CharField(max_length=64)  # the webhook-id header: the same for every attempt
    event_type = fields.CharField(max_length=48)
    body = fields.TextField()  # the exact bytes signed and sent (UTF-8 JSON)
    status = fields.CharField(max_length=16, default="PENDING")  # PENDING, SUCCEEDED, FAILED
    attempt = fields.IntField(default=0)  # attempts made so far
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)  # claimed by a dispatcher until then
    last_response_status = fields.IntField(null=True)
    last_response_body = fields.TextField(null=True)  # at most the first 64 KiB
    last_error = fields.CharField(max_length=255, null=True)
    last_latency_ms = fields.IntField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "message_id"),)
        indexes = (("status", "next_attempt_at"), ("partner_id", "created_at"))
