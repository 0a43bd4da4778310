"""Bank staff users who run partners, compliance and support from dashboards."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class StaffUser(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    email = fields.CharField(max_length=254, unique=True)
    # argon2id hash; rehashed on the next successful login when parameters change.
    password_hash = fields.CharField(max_length=256)
    role = fields.CharField(max_length=16)
    active = fields.BooleanField(default=True, db_default=True)
    failed_logins = fields.IntField(default=0, db_default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    # Tokens issued (JWT iat, epoch seconds) before this second are refused: set
    # when the user is deactivated or their role changes.
    min_token_iat_s = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"
