"""Merchants (a BUSINESS customer's point of sale) and the payment requests they present as QR codes (storage only)."""

from tortoise import fields
from tortoise.models import Model

from models.enums import MerchantStatus, SettlementTiming
from models.ids import uuid7


class Merchant(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="merchants", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="merchants", on_delete=fields.RESTRICT)
    # Where paid money lands; its currency is the currency of the merchant's QR codes.
    settlement_wallet = fields.ForeignKeyField("models.Wallet", related_name="merchants", on_delete=fields.RESTRICT)
    display_name = fields.CharField(max_length=25)  # EMVCo tag 59 (Merchant Name): at most 25 characters
    mcc = fields.CharField(max_length=4)  # ISO 18245 merchant category code
    city = fields.CharField(max_length=15)  # EMVCo tag 60 (Merchant City): at most 15 characters
    country = fields.CharField(max_length=2)  # ISO 3166-1 alpha-2
    status = fields.CharEnumField(MerchantStatus, max_length=16, default=MerchantStatus.ACTIVE)
    status_reason = fields.CharField(max_length=500, null=True)  # the partner's reason of the last suspension
    # IMMEDIATE: a payment credits the settlement wallet in its own posting. DEFERRED: it credits the merchant's
    # clearing account (clearing_account_id, never locked), and settlements move that on in batches
    # (services.merchants.settlement): payers of a busy merchant never queue on its settlement wallet's row.
    settlement = fields.CharEnumField(SettlementTiming, max_length=16, default=SettlementTiming.IMMEDIATE,
                                      db_default="IMMEDIATE")
    clearing_account_id = fields.BigIntField(null=True)  # the MERCHANT_CLEARING account of a DEFERRED merchant
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "merchant"
        indexes = (("partner_id", "status"),)


class PaymentRequest(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="payment_requests", on_delete=fields.RESTRICT)
    merchant = fields.ForeignKeyField("models.Merchant", related_name="payment_requests", on_delete=fields.RESTRICT)
    amount_minor = fields.BigIntField(null=True)  # NULL: a static code, the payer enters the amount
    currency = fields.CharField(max_length=3)  # the settlement wallet's, when the request was made
    reference = fields.CharField(max_length=25, null=True)  # EMVCo tag 62-05 (Reference Label)
    dynamic = fields.BooleanField()  # True: amount, reference and expiry are in the code (point of initiation 12)
    single_use = fields.BooleanField()
    expires_at = fields.DatetimeField(null=True)  # NULL: a static code that never expires
    paid_at = fields.DatetimeField(null=True)  # set by the payment that uses a single-use request up
    payload = fields.TextField()  # the exact EMVCo MPM string encoded in the QR code
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_request"
        indexes = (("partner_id", "merchant_id"),)
