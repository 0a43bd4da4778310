"""Domain events (the outbox): written in the same transaction as the change they announce.

Because the row commits with the change or not at all, no event is lost and
none announces a change that did not happen. Readers (the webhook fan-out,
the event feed) go through the outbox in *position* order, (tx, id), up to a
horizon below which no transaction is still running (services.outbox_position):
an id is drawn before its transaction commits, so id order alone would let a
late commit land behind a cursor already handed out.
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
    # The writing transaction's id (PostgreSQL: pg_current_xact_id(), set by a trigger of migration 0011 on
    # every insert whatever the path; SQLite: 0, one writer at a time makes id order the commit order).
    tx = fields.BigIntField(default=0)
    # Unused since migration 0011 (the fan-out keeps one cursor instead of marking every row); kept so that
    # upgrading drops nothing. Never read.
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_event"
        indexes = (("partner_id", "tx", "id"), ("tx", "id"))


class OutboxCursor(Model):
    """How far a reader of the outbox has got: every event at or before (tx, event_id) is handled."""

    name = fields.CharField(max_length=32, primary_key=True)  # "webhooks": the webhook fan-out
    tx = fields.BigIntField(default=0)
    event_id = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "outbox_cursor"
