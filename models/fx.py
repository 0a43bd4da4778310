"""Foreign exchange (issue 14): the rates the bank quotes from, and the quotes it gives (storage only)."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class FxRate(Model):
    # One mid rate of a currency pair: 1 unit of base buys rate units of quote. Exact: rate_e9 = rate x 10^9
    # as an integer (never a float). Rates are appended, never changed: the latest as_of per pair is in force.
    id = fields.UUIDField(primary_key=True, default=uuid7)
    base_currency = fields.CharField(max_length=3)
    quote_currency = fields.CharField(max_length=3)
    rate_e9 = fields.BigIntField()
    source = fields.CharField(max_length=64)
    as_of = fields.DatetimeField()
    created_by = fields.CharField(max_length=160)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fx_rate"
        # One rate per pair, source and moment: importing the same file twice adds nothing.
        unique_together = (("base_currency", "quote_currency", "source", "as_of"),)
        indexes = (("base_currency", "quote_currency", "as_of"),)


class FxQuote(Model):
    # A price given to a partner (and its customer): sell_amount of sell_currency buys buy_amount of
    # buy_currency until expires_at, once. used_at and transaction_id are set by the conversion's own
    # atomic write (a RowClaim), only while used_at is NULL and the quote unexpired.
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="fx_quotes", on_delete=fields.RESTRICT)
    customer_id = fields.UUIDField(null=True)  # set when a customer token asked: only that customer may use it
    sell_currency = fields.CharField(max_length=3)
    buy_currency = fields.CharField(max_length=3)
    sell_amount_minor = fields.BigIntField()
    buy_amount_minor = fields.BigIntField()
    mid_rate_e9 = fields.BigIntField()
    customer_rate_e9 = fields.BigIntField()
    spread_bps = fields.IntField()
    # What the spread earns the bank in buy_currency: the buy amount at the mid rate less buy_amount_minor.
    spread_minor = fields.BigIntField()
    fee_minor = fields.BigIntField()  # in sell_currency, on top of sell_amount_minor
    fee_share_minor = fields.BigIntField(default=0)  # the partner's share of the fee
    fee_breakdown = fields.JSONField(null=True)
    rate_id = fields.UUIDField()  # the FxRate the mid rate came from (its inverse when derived)
    rate_derived = fields.BooleanField(default=False)  # the mid rate is 1 / the stored opposite pair's
    from_wallet_id = fields.UUIDField(null=True)  # the wallet named when quoting, if any
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    transaction_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "fx_quote"
        indexes = (("partner_id", "created_at"),)
