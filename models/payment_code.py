"""Customer-presented payment codes (付款码) and the failed collects that rate-limit guessing (storage only)."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class PaymentCode(Model):
    # A one-time numeric code a wallet shows for a merchant to scan: only its hash is kept, never the code.
    # (A comment, not a docstring: Tortoise would make a docstring the table's SQL comment, split at semicolons.)

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="payment_codes", on_delete=fields.RESTRICT)  # the wallet's
    wallet = fields.ForeignKeyField("models.Wallet", related_name="payment_codes", on_delete=fields.RESTRICT)
    # SHA-256 (hex) of the code (services.payment_codes.codes.code_hash): unique forever, so a code is never issued twice.
    code_hash = fields.CharField(max_length=64, unique=True)
    last_digits = fields.CharField(max_length=4)  # shown to the customer and support to tell codes apart
    currency = fields.CharField(max_length=3)  # the wallet's
    max_amount_minor = fields.BigIntField(null=True)  # NULL: no cap of the customer's own
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)  # set once, by the PAYMENT posting that collected it
    # The payment that collected it, written in the same atomic write (no FK: the payment row is inserted by the
    # same statement that sets this, after it; payment.id is itself unique).
    payment_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_code"
        indexes = (("wallet_id", "created_at"),)


class PaymentCodeMiss(Model):
    # A paymentCollect that named no collectable code: counted per merchant partner to rate-limit guessing.

    id = fields.BigIntField(primary_key=True)
    partner = fields.ForeignKeyField("models.Partner", related_name="payment_code_misses", on_delete=fields.RESTRICT)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "payment_code_miss"
        indexes = (("partner_id", "occurred_at"),)
