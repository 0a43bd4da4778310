"""Customers' consents (storage only): an append-only record per decision, the newest per kind is in force."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class CustomerConsent(Model):
    # One row per decision (granted or withdrawn), never updated or deleted: the newest row of a (customer, kind)
    # is the consent in force, and the older rows are the evidence of what the customer agreed to and when.
    # (A comment, not a docstring: Tortoise would make a docstring the table's SQL comment.)

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="customer_consents", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="consents", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=24)  # MARKETING, PROFILING, THIRD_PARTY_SHARING
    granted = fields.BooleanField()
    text_version = fields.CharField(max_length=64)  # the version of the consent text the customer was shown
    recorded_at = fields.DatetimeField()  # services.clock, not the database's clock
    recorded_by = fields.CharField(max_length=200)  # the actor (partner client, customer token) that recorded it

    class Meta:
        table = "customer_consent"
        indexes = (("customer_id", "kind", "recorded_at"),)
