"""Personalised offers (storage only): offers as data, their target rules, engagement events and partner settings."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class Offer(Model):
    # An offer shown to one partner's customers: the partner's own (issuer PARTNER) or the bank's product
    # (issuer BANK, only while the partner allows bank offers). Target rules are typed columns, never JSON.
    # (A comment, not a docstring: Tortoise would make a docstring the table's SQL comment.)

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="offers", on_delete=fields.RESTRICT)
    issuer = fields.CharField(max_length=8)  # PARTNER or BANK
    title = fields.CharField(max_length=100)
    description = fields.CharField(max_length=500)
    product = fields.CharField(max_length=24)  # SAVINGS, CREDIT_CARD, LOAN, INSURANCE, COUPON, OTHER
    coupon_campaign_ref = fields.CharField(max_length=128, null=True)  # a coupon campaign's global ID, as given
    priority = fields.IntField(default=0)
    status = fields.CharField(max_length=16, default="ACTIVE")  # ACTIVE or PAUSED
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(null=True)
    max_impressions = fields.IntField(null=True)  # frequency cap per customer within cap_period_days
    cap_period_days = fields.IntField(null=True)
    min_spend_minor = fields.BigIntField(null=True)  # spent at least this much ...
    min_spend_currency = fields.CharField(max_length=3, null=True)
    min_spend_mccs = fields.CharField(max_length=250, null=True)  # ... at these categories (comma list) ...
    min_spend_days = fields.IntField(null=True)  # ... within the last N days
    kyc_tier_min = fields.SmallIntField(null=True)
    kyc_tier_max = fields.SmallIntField(null=True)
    countries = fields.CharField(max_length=250, null=True)  # ISO 3166-1 alpha-2, comma list
    no_card_linked = fields.BooleanField(default=False)
    version = fields.IntField(default=1)
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "offer"
        indexes = (("partner_id", "status"),)


class OfferEvent(Model):
    # An impression, click or conversion of an offer by a customer (offerEventRecord): append-only.

    id = fields.BigIntField(primary_key=True)
    offer = fields.ForeignKeyField("models.Offer", related_name="events", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="offer_events", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=16)  # IMPRESSION, CLICK, CONVERSION
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "offer_event"
        indexes = (("offer_id", "customer_id", "recorded_at"), ("offer_id", "kind"))


class OfferExposure(Model):
    # One row per (offer, customer), locked while an impression is counted against the frequency cap, so
    # concurrent impressions of one customer never exceed it.

    id = fields.UUIDField(primary_key=True, default=uuid7)
    offer = fields.ForeignKeyField("models.Offer", related_name="exposures", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="offer_exposures", on_delete=fields.RESTRICT)

    class Meta:
        table = "offer_exposure"
        unique_together = (("offer_id", "customer_id"),)


class PartnerOfferSetting(Model):
    # A partner's offer settings: whether the bank may offer its own products to the partner's customers.

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.OneToOneField("models.Partner", related_name="offer_setting", on_delete=fields.RESTRICT)
    allow_bank_offers = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "partner_offer_setting"
