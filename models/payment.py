"""Payments to merchants and their refunds (storage only): each is one ledger transaction plus what ties it to a merchant."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class Payment(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    # The payer's partner (the transaction's owner) and the merchant's partner: each sees its own side.
    partner = fields.ForeignKeyField("models.Partner", related_name="payments", on_delete=fields.RESTRICT)
    merchant_partner = fields.ForeignKeyField("models.Partner", related_name="merchant_payments", on_delete=fields.RESTRICT)
    merchant = fields.ForeignKeyField("models.Merchant", related_name="payments", on_delete=fields.RESTRICT)
    payment_request = fields.ForeignKeyField("models.PaymentRequest", related_name="payments", null=True,
                                             on_delete=fields.RESTRICT)
    transaction = fields.ForeignKeyField("models.Transaction", related_name="payment", unique=True,
                                         on_delete=fields.RESTRICT)
    payer_wallet = fields.ForeignKeyField("models.Wallet", related_name="payments", on_delete=fields.RESTRICT)
    # A capture of an authorisation (authorizationCapture) names it; a paid code or request does not.
    authorization = fields.ForeignKeyField("models.PaymentAuthorization", related_name="captures", null=True,
                                           on_delete=fields.RESTRICT)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    # What refunds have given back so far; a refund's posting raises it only while it stays <= amount_minor.
    refunded_minor = fields.BigIntField(default=0)
    # Paid into a DEFERRED merchant's clearing account (its settlement wallet is credited by a settlement later),
    # and the settlement that took it on (NULL until one does: services.merchants.settlement).
    clearing = fields.BooleanField(default=False, db_default=False)
    settlement = fields.ForeignKeyField("models.MerchantSettlement", related_name="payments", null=True,
                                        on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment"
        indexes = (("partner_id", "created_at"), ("merchant_partner_id", "created_at"), ("merchant_id", "settlement_id"))


class Refund(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    payment = fields.ForeignKeyField("models.Payment", related_name="refunds", on_delete=fields.RESTRICT)
    partner = fields.ForeignKeyField("models.Partner", related_name="refunds", on_delete=fields.RESTRICT)  # the merchant's
    transaction = fields.ForeignKeyField("models.Transaction", related_name="refund", unique=True,
                                         on_delete=fields.RESTRICT)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    reason = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "refund"
        indexes = (("payment_id", "created_at"),)


class PaymentAuthorization(Model):
    # Funds reserved on a payer's wallet for a merchant (online commerce, pre-authorised amounts). While ACTIVE,
    # amount_minor - captured_minor is part of the payer account's held_minor (available drops, balance does
    # not). Captures move money as PAYMENT postings and release what they take, a void or the expiry sweep
    # releases the rest, and `qianbao ledger verify` checks held_minor = held transactions + these remainders.
    # (A comment, not a docstring: Tortoise would make a docstring the table's SQL comment.)

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="authorizations", on_delete=fields.RESTRICT)
    merchant_partner = fields.ForeignKeyField("models.Partner", related_name="merchant_authorizations",
                                              on_delete=fields.RESTRICT)
    merchant = fields.ForeignKeyField("models.Merchant", related_name="authorizations", on_delete=fields.RESTRICT)
    wallet = fields.ForeignKeyField("models.Wallet", related_name="authorizations", on_delete=fields.RESTRICT)
    amount_minor = fields.BigIntField()
    captured_minor = fields.BigIntField(default=0)
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=16, default="ACTIVE")  # ACTIVE, CAPTURED, VOIDED, EXPIRED
    expires_at = fields.DatetimeField()
    idempotency_key = fields.CharField(max_length=255)  # as stored (a customer token's is namespaced)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payment_authorization"
        unique_together = (("partner_id", "idempotency_key"),)
        indexes = (("status", "expires_at"), ("merchant_partner_id", "created_at"))
