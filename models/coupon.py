"""Coupon campaigns (issue 15 part 4): campaigns with a funded budget account, and the coupons issued to customers.

The discount money lives in the ledger: a campaign's COUPON_BUDGET account is funded from its funding wallet when
the campaign is created, and every discount is a leg from it in the payment's own posting."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class CouponCampaign(Model):
    """A coupon campaign: who issues and funds it, the discount, where and when it applies, its budget and limits."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    # The partner whose campaign it is (NULL: the bank's own, made by staff for every partner's customers).
    partner = fields.ForeignKeyField("models.Partner", related_name="coupon_campaigns", null=True,
                                     on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=100)
    issuer = fields.CharField(max_length=16)  # BANK, PARTNER or MERCHANT
    issuer_merchant_id = fields.UUIDField(null=True)  # issuer MERCHANT: which merchant
    funding_wallet = fields.ForeignKeyField("models.Wallet", related_name="coupon_campaigns", on_delete=fields.RESTRICT)
    budget_account = fields.OneToOneField("models.Account", related_name="coupon_campaign", on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    discount_kind = fields.CharField(max_length=16)  # FIXED or PERCENTAGE
    amount_off_minor = fields.BigIntField(null=True)  # FIXED: minor units off
    percent_off_bps = fields.IntField(null=True)  # PERCENTAGE: basis points off (1 to 10000)
    max_discount_minor = fields.BigIntField(null=True)  # PERCENTAGE: the cap (NULL: none)
    min_spend_minor = fields.BigIntField(default=0)
    merchant_ids = fields.JSONField(default=list)  # empty: every merchant
    mccs = fields.JSONField(default=list)  # empty: every category
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField()
    budget_minor = fields.BigIntField()
    # The locked budget row: raised with every discount in the payment's own transaction, never above budget_minor.
    budget_used_minor = fields.BigIntField(default=0)
    per_customer_limit = fields.IntField()
    stackable = fields.BooleanField(default=False)  # combinable with points and with other campaigns' coupons
    refund_rule = fields.CharField(max_length=16)  # RESTORE or FORFEIT
    claim_code = fields.CharField(max_length=32, null=True, unique=True)
    funding_transaction_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coupon_campaign"


class Coupon(Model):
    """One coupon of a campaign held by one customer: ISSUED (usable), REDEEMED (used by a payment)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    campaign = fields.ForeignKeyField("models.CouponCampaign", related_name="coupons", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="coupons", on_delete=fields.RESTRICT)
    partner = fields.ForeignKeyField("models.Partner", related_name="coupons", on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=16, default="ISSUED")
    source = fields.CharField(max_length=16)  # ISSUED (couponIssue) or CLAIMED (couponClaim)
    payment_id = fields.UUIDField(null=True)  # the payment that redeemed it
    discount_minor = fields.BigIntField(default=0)  # what that payment was given
    issued_at = fields.DatetimeField()
    redeemed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "coupon"
        indexes = (("customer_id", "status"), ("campaign_id", "customer_id"), ("payment_id",))


class CouponUse(Model):
    """How many of one customer's coupons of one campaign count against its per-customer limit (REDEEMED or
    FORFEITED), the row a coupon payment claims in its posting statement (services.coupons.uses)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    campaign = fields.ForeignKeyField("models.CouponCampaign", related_name="uses", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="coupon_uses", on_delete=fields.RESTRICT)
    used = fields.IntField(default=0)

    class Meta:
        table = "coupon_use"
        unique_together = (("campaign", "customer"),)
