"""Domain events (the outbox): written in the same transaction as the change they announce.

A later delivery mechanism (webhooks) reads undelivered rows in id order and
sets `delivered_at`; because the row commits with the change or not at all,
no event is lost and none announces a change that did not happen.
"""

from tortoise import fields
from tortoise.models import Model


class DomainEvent(Model):
    id = fields.BigIntField(primary_key=True)
    partner = fields.ForeignKeyField("models.Partner", related_name="domain_events", null=True, on_delete=fields.RESTRICT)
    type = fields.CharField(max_length=48)  # "kyc.approved", "transaction.held", ...
    object_type = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    payload = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_event"
        indexes = (("partner_id", "id"), ("delivered_at", "id"))
