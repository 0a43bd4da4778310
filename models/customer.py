"""A partner's end customer: a person or a small business."""

from tortoise import fields
from tortoise.models import Model

from models.enums import CustomerKind, CustomerStatus, KycStatus, ScreeningStatus
from models.ids import uuid7


class Customer(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="customers", on_delete=fields.RESTRICT)
    external_ref = fields.CharField(max_length=128)
    kind = fields.CharEnumField(CustomerKind, max_length=16)
    # The display name, e-mail and phone, each an AES-GCM token bound to this row and column (services.pii), never
    # plaintext (issue 19): a database backup alone shows no customer's name or contact. Nothing looks a customer up
    # by them, so no blind index is kept (services.customer_pii).
    display_name_enc = fields.TextField()
    email_enc = fields.TextField(null=True)
    phone_enc = fields.TextField(null=True)
    country = fields.CharField(max_length=2)
    kyc_status = fields.CharEnumField(KycStatus, max_length=16, default=KycStatus.NONE)
    kyc_tier = fields.SmallIntField(default=0)
    # CLEAR, or HOLD after a watchlist hit (nothing moves until compliance
    # resolves the alert), or BLOCKED when compliance confirmed the match.
    screening_status = fields.CharEnumField(ScreeningStatus, max_length=16, default=ScreeningStatus.CLEAR)
    # The postal address (customerUpdate), AES-GCM ciphertext bound to this row (services.pii); never plaintext.
    address_enc = fields.TextField(null=True)
    # ACTIVE, or CLOSED (customerClose) once every wallet is closed; the row and its history stay.
    status = fields.CharEnumField(CustomerStatus, max_length=16, default=CustomerStatus.ACTIVE, db_default="ACTIVE")
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
        unique_together = (("partner", "external_ref"),)
        indexes = (("partner_id", "id"),)


class CustomerOwnLimit(Model):
    """Limits a customer set itself in one currency, below its tier's: the posting applies the lower of the two."""

    id = fields.BigIntField(primary_key=True)
    partner = fields.ForeignKeyField("models.Partner", related_name="customer_own_limits", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="own_limits", on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    # Minor units; NULL = no limit of the customer's own for that period.
    daily_minor = fields.BigIntField(null=True)
    single_max_minor = fields.BigIntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer_own_limit"
        unique_together = (("customer", "currency"),)
