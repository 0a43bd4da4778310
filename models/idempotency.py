"""Idempotency keys claimed by money-moving mutations, unique per partner."""

from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    id = fields.BigIntField(primary_key=True)
    partner = fields.ForeignKeyField("models.Partner", related_name="idempotency_records", on_delete=fields.RESTRICT)
    key = fields.CharField(max_length=255)
    # sha256 of the canonical request: a replay must match it exactly.
    request_hash = fields.CharField(max_length=64)
    operation = fields.CharField(max_length=32)
    # The transaction the key produced. No foreign key: the record is written
    # first, in the same database transaction, to claim the key.
    transaction_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("partner", "key"),)
