"""A partner's end customer: a person or a small business."""

from tortoise import fields
from tortoise.models import Model

from models.enums import CustomerKind, KycStatus, ScreeningStatus
from models.ids import uuid7


class Customer(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="customers", on_delete=fields.RESTRICT)
    external_ref = fields.CharField(max_length=128)
    kind = fields.CharEnumField(CustomerKind, max_length=16)
    display_name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=32, null=True)
    country = fields.CharField(max_length=2)
    kyc_status = fields.CharEnumField(KycStatus, max_length=16, default=KycStatus.NONE)
    kyc_tier = fields.SmallIntField(default=0)
    # CLEAR, or HOLD after a watchlist hit (nothing moves until compliance
    # resolves the alert), or BLOCKED when compliance confirmed the match.
    screening_status = fields.CharEnumField(ScreeningStatus, max_length=16, default=ScreeningStatus.CLEAR)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
        unique_together = (("partner", "external_ref"),)
        indexes = (("partner_id", "id"),)
