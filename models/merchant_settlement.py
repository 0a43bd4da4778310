"""A DEFERRED merchant's settlement: payments taken from its clearing account into its settlement wallet at once."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class MerchantSettlement(Model):
    """One batch of a DEFERRED merchant's payments (they name it), posted by one MERCHANT_SETTLEMENT transaction.

    OPEN: the payments are taken (amount_minor is what their postings put in the clearing account), the posting is
    not written yet; POSTED: transaction_id moved that amount into the settlement wallet. An OPEN one left by a
    crash is posted by the next settlement of its merchant (services.merchants.settlement).
    """

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="merchant_settlements", on_delete=fields.RESTRICT)
    merchant = fields.ForeignKeyField("models.Merchant", related_name="settlements", on_delete=fields.RESTRICT)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    payment_count = fields.IntField()  # how many payments it takes on
    status = fields.CharField(max_length=16, default="OPEN")  # OPEN or POSTED
    # The MERCHANT_SETTLEMENT transaction, set by the posting's own claim on this row (no foreign key: on SQLite
    # the claim's UPDATE runs before the transaction row it names is inserted, in the same database transaction).
    transaction_id = fields.UUIDField(null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    posted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "merchant_settlement"
        indexes = (("merchant_id", "status"),)
