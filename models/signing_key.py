"""Asymmetric keys that sign the API's JWTs, shared by every worker process."""

from tortoise import fields
from tortoise.models import Model


class SigningKey(Model):
    kid = fields.CharField(max_length=64, primary_key=True)
    algorithm = fields.CharField(max_length=16)
    private_pem = fields.TextField()
    public_jwk = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_key"
