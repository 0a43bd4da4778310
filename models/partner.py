"""Partners (the bank's fintech customers) and their OAuth API clients."""

from tortoise import fields
from tortoise.models import Model

from models.enums import ApiClientStatus, PartnerEnvironment, PartnerStatus, PartnerStrongAuthMode
from models.ids import uuid7


class Partner(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    name = fields.CharField(max_length=200)
    status = fields.CharEnumField(PartnerStatus, max_length=16, default=PartnerStatus.ACTIVE)
    # The partner's share of the fees its customers pay, in basis points.
    fee_share_bps = fields.IntField(default=0, db_default=0)
    # Set by the bank: whether the partner's own token may make money movements
    # that its customers' pack says need strong customer authentication.
    strong_auth_mode = fields.CharEnumField(
        PartnerStrongAuthMode, max_length=32, default=PartnerStrongAuthMode.EXEMPT, db_default="EXEMPT"
    )
    # LIVE or SANDBOX, fixed at partnerCreate: a sandbox partner's tokens, customers
    # and money live apart from live data (its tokens carry it as the `env` claim).
    environment = fields.CharEnumField(
        PartnerEnvironment, max_length=16, default=PartnerEnvironment.LIVE, db_default="LIVE"
    )
    # Tokens issued (JWT iat, epoch seconds) before this second are refused, even
    # after a reactivation: set at each suspension.
    min_token_iat_s = fields.BigIntField(null=True)
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
    # A rotation with a grace period keeps the replaced secret's hash, accepted at
    # /oauth/token until previous_secret_expires_s (epoch seconds).
    previous_secret_hash = fields.CharField(max_length=256, null=True)
    previous_secret_expires_s = fields.BigIntField(null=True)
    # Tokens issued (iat) before this second are refused: set by rotations (and
    # by the end of a rotation's grace period, see pending_min_token_iat_s).
    min_token_iat_s = fields.BigIntField(null=True)
    # The cutoff of a rotation with a grace period: in force from previous_secret_expires_s on.
    pending_min_token_iat_s = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "api_client"
