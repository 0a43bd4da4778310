"""Access tokens revoked before their expiry, by their `jti`."""

from tortoise import fields
from tortoise.models import Model


class RevokedToken(Model):
    jti = fields.CharField(max_length=64, primary_key=True)
    # Kept until the token would have expired anyway; then it can be purged.
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(auto_now_add=True)
    revoked_by = fields.CharField(max_length=128)

    class Meta:
        table = "revoked_token"
