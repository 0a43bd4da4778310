"""Envelope data keys: each encrypts PII values and is itself stored wrapped by the master key."""

from tortoise import fields
from tortoise.models import Model


class DataKey(Model):
    # "dk_" + 16 hex characters; every ciphertext names the key that made it.
    id = fields.CharField(max_length=32, primary_key=True)
    # The 256-bit data key, AES-GCM-wrapped by the master key (base64).
    wrapped_key = fields.TextField()
    master_key_id = fields.CharField(max_length=64)
    # ACTIVE keys decrypt; the newest ACTIVE key encrypts; RETIRED keys hold no value any more.
    status = fields.CharField(max_length=16, default="ACTIVE")
    created_at = fields.DatetimeField(auto_now_add=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "data_key"
