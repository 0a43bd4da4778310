"""International transfers (issue 14 part 7, storage only): beneficiaries at foreign banks, the transfers paid
out to them, and the per-person annual cross-border quota's lock row."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class Beneficiary(Model):
    # A person or company at a foreign bank that a customer sends money to. The IBAN or account number and the
    # address are PII: AES-GCM ciphertext (services.pii), shown masked. The name is screened against the watchlists
    # when created: a hit makes it NEEDS_REVIEW until bank staff decide (beneficiaryReview).
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="beneficiaries", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="beneficiaries", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=200)
    country = fields.CharField(max_length=2)  # ISO 3166-1 alpha-2 of the beneficiary's bank
    currency = fields.CharField(max_length=3)  # what the beneficiary is paid in (the FX quote's buy currency)
    bic = fields.CharField(max_length=11)  # SWIFT BIC of the beneficiary's bank (not secret)
    number_kind = fields.CharField(max_length=16)  # IBAN or ACCOUNT_NUMBER
    number_enc = fields.TextField()  # the IBAN or account number, sealed
    last_four = fields.CharField(max_length=4)
    address_enc = fields.TextField()  # the beneficiary's postal address (travel rule), sealed
    status = fields.CharField(max_length=16)  # ACTIVE, NEEDS_REVIEW, REJECTED, DELETED
    screening_score_bps = fields.IntField(default=0)  # best watchlist score of the name, 0..10000
    status_reason = fields.CharField(max_length=500, null=True)
    reviewed_by = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "beneficiary"
        indexes = (("partner_id", "customer_id", "id"), ("status", "created_at"))


class InternationalTransfer(Model):
    # One payment to a beneficiary abroad: a WITHDRAWAL posting at an FX quote, HELD while its rail_transfer
    # (source_kind BENEFICIARY) carries it. quota_minor is what it counts against the sender's annual cross-border
    # quota while its rail transfer has not FAILED or been RETURNED. travel_rule_enc is the originator and
    # beneficiary data recorded for the travel rule (JSON, sealed).
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="international_transfers", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="international_transfers", on_delete=fields.RESTRICT)
    wallet = fields.ForeignKeyField("models.Wallet", related_name="international_transfers", on_delete=fields.RESTRICT)
    beneficiary = fields.ForeignKeyField("models.Beneficiary", related_name="transfers", on_delete=fields.RESTRICT)
    transaction = fields.ForeignKeyField("models.Transaction", related_name="international_transfer", unique=True,
                                         on_delete=fields.RESTRICT)
    rail_transfer_id = fields.UUIDField(unique=True)
    quote_id = fields.UUIDField(unique=True)  # an FX quote pays out once
    purpose_code = fields.CharField(max_length=8, null=True)
    destination_country = fields.CharField(max_length=2)
    sell_amount_minor = fields.BigIntField()
    sell_currency = fields.CharField(max_length=3)
    buy_amount_minor = fields.BigIntField()
    buy_currency = fields.CharField(max_length=3)
    fee_minor = fields.BigIntField()  # in the sell currency
    customer_rate_e9 = fields.BigIntField()
    quota_year = fields.IntField(null=True)
    quota_currency = fields.CharField(max_length=3, null=True)
    quota_minor = fields.BigIntField(default=0)
    compliance_review = fields.BooleanField(default=False)  # the destination sends it to compliance review first
    travel_rule_enc = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "international_transfer"
        indexes = (("customer_id", "quota_year"), ("partner_id", "created_at"))


class CrossBorderQuotaUsage(Model):
    # The row a customer's international transfers of one quota year lock (SELECT FOR UPDATE) while they count
    # the year's usage, so concurrent transfers of one person never pass the annual quota together.
    id = fields.UUIDField(primary_key=True, default=uuid7)
    customer = fields.ForeignKeyField("models.Customer", related_name="cross_border_quota", on_delete=fields.RESTRICT)
    quota_year = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cross_border_quota_usage"
        unique_together = (("customer_id", "quota_year"),)
