"""Daily rollups behind the staff reporting queries (issue 17): storage only.

A UTC day ("YYYY-MM-DD") is in the rollups only while it has a row in
report_rolled_period, or up to an instant while it has a row in
report_partial_day; services.reporting decides when to roll one
and when a change to the past (a held transaction released) takes it out again.
"""

from tortoise import fields
from tortoise.models import Model


class ReportRolledPeriod(Model):
    # A closed UTC day whose rows below are complete: the rollups answer for it.
    period = fields.CharField(max_length=10, primary_key=True)
    rolled_at = fields.DatetimeField()

    class Meta:
        table = "report_rolled_period"


class ReportPartialDay(Model):
    # The open UTC day rolled up to an instant: the rows below of that day hold exactly its POSTED transactions
    # created before rolled_until, so a report reads only the ledger after it (minutes, not a whole busy day).
    day = fields.CharField(max_length=10, primary_key=True)
    rolled_until = fields.DatetimeField()
    rolled_at = fields.DatetimeField()

    class Meta:
        table = "report_partial_day"


class ReportDayVolume(Model):
    # POSTED transactions of a LIVE partner per day, partner, kind and currency: how many and how much.
    id = fields.BigIntField(primary_key=True)
    day = fields.CharField(max_length=10)
    partner_id = fields.UUIDField()
    kind = fields.CharField(max_length=24)
    currency = fields.CharField(max_length=3)
    txn_count = fields.BigIntField()
    amount_minor = fields.BigIntField()

    class Meta:
        table = "report_day_volume"
        indexes = (("day", "partner_id"),)


class ReportDayRevenue(Model):
    # What POSTED transactions of a day earned, per partner and currency: payer fees, merchant fees, the FX spread,
    # and the partners' share of the fees (the bank keeps the rest).
    id = fields.BigIntField(primary_key=True)
    day = fields.CharField(max_length=10)
    partner_id = fields.UUIDField()
    currency = fields.CharField(max_length=3)
    fee_minor = fields.BigIntField()
    merchant_fee_minor = fields.BigIntField()
    fx_revenue_minor = fields.BigIntField()
    partner_share_minor = fields.BigIntField()

    class Meta:
        table = "report_day_revenue"
        indexes = (("day", "partner_id"),)


class ReportDayMerchant(Model):
    # POSTED payments per day, merchant and currency (partner_id: the merchant's partner).
    id = fields.BigIntField(primary_key=True)
    day = fields.CharField(max_length=10)
    partner_id = fields.UUIDField()
    merchant_id = fields.UUIDField()
    currency = fields.CharField(max_length=3)
    txn_count = fields.BigIntField()
    amount_minor = fields.BigIntField()

    class Meta:
        table = "report_day_merchant"
        indexes = (("day", "partner_id"),)


class ReportDayWallet(Model):
    # Each wallet with a POSTED money movement on a day (and its customer), per the wallet's partner: distinct
    # active wallets and customers over any range are counted over these rows, far fewer than the transactions.
    id = fields.BigIntField(primary_key=True)
    day = fields.CharField(max_length=10)
    partner_id = fields.UUIDField()
    wallet_id = fields.UUIDField()
    customer_id = fields.UUIDField()

    class Meta:
        table = "report_day_wallet"
        indexes = (("day", "partner_id"),)
