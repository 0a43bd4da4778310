"""Fee rules: the bank's default schedule and partner-specific ones, as data."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class FeeRule(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    # NULL: the bank's default rule; else it applies to this partner only.
    partner = fields.ForeignKeyField("models.Partner", related_name="fee_rules", null=True, on_delete=fields.RESTRICT)
    # TOP_UP, TRANSFER, PAYMENT, WITHDRAWAL, INTERNATIONAL_TRANSFER
    kind = fields.CharField(max_length=32)
    # Selectors: NULL matches anything. More selectors set = more specific.
    currency = fields.CharField(max_length=3, null=True)
    corridor = fields.CharField(max_length=16, null=True)  # DOMESTIC or CROSS_BORDER
    destination_country = fields.CharField(max_length=2, null=True)
    customer_kind = fields.CharField(max_length=16, null=True)
    # Who pays a PAYMENT's fee: SENDER (the payer, on top of the amount) or RECEIVER (the merchant, out of
    # what it receives: a merchant discount rate). Every other kind is SENDER.
    payer = fields.CharField(max_length=8, default="SENDER", db_default="SENDER")
    # PAYMENT selectors: a merchant category (ISO 18245) or one merchant; a merchant beats a category.
    mcc = fields.CharField(max_length=4, null=True)
    merchant = fields.ForeignKeyField("models.Merchant", related_name="fee_rules", null=True, on_delete=fields.RESTRICT)
    # A RECEIVER rule's fee on refund: RETAINED (the bank and partner keep it) or RETURNED (given back in
    # proportion to the amount refunded). Copied into each payment's breakdown, so a later change never
    # alters a past payment's refund.
    refund_treatment = fields.CharField(max_length=8, null=True)
    # TOP_UP and WITHDRAWAL selector: the route through a payment rail (BANK_ACCOUNT or CARD); NULL matches any
    # route, including the instant one (no funding source).
    route = fields.CharField(max_length=16, null=True)
    # Amount tier [min, max): in minor units of `currency` (a tier needs a currency).
    amount_min_minor = fields.BigIntField(null=True)
    amount_max_minor = fields.BigIntField(null=True)
    # The fee: fixed + amount x rate, clamped to [min, max].
    fixed_minor = fields.BigIntField(default=0)
    rate_bps = fields.IntField(default=0)
    fee_min_minor = fields.BigIntField(default=0)
    fee_max_minor = fields.BigIntField(null=True)
    # The first N matching transactions of a customer each calendar month are free.
    free_per_month = fields.IntField(default=0)
    effective_from = fields.DatetimeField()
    effective_to = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=128)

    class Meta:
        table = "fee_rule"
        indexes = (("kind", "partner_id"),)
