"""Partners (the bank's fintech customers) and their OAuth API clients."""

from tortoise import fields
from tortoise.models import Model

from models.enums import ApiClientStatus, PartnerStatus
from models.ids import uuid7


class Partner(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    name = fields.CharField(max_length=200)
    status = fields.CharEnumField(PartnerStatus, max_length=16, default=PartnerStatus.ACTIVE)
    # The partner's share of the fees its customers pay, in basis points.
    fee_share_bps = fields.IntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner"


class ApiClient(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="api_clients", on_delete=fields.RESTRICT)
    client_id = fields.CharField(max_length=64, unique=True)
    # argon2id hash of the client secret; the secret itself is shown once and never stored.
    secret_hash = fields.CharField(max_length=256)
    # Space-separated OAuth scopes this client may be granted.
    scopes = fields.TextField()
    status = fields.CharEnumField(ApiClientStatus, max_length=16, default=ApiClientStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "api_client"
