"""Points programmes (issue 15): programmes, their earn rules, each customer's points account and lots, clawbacks
and redemptions. The points themselves live in the ledger (account and ledger_entry rows in the programme's unit)."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class PointsProgram(Model):
    """A points programme: its unit, what a point is worth when redeemed, and its ledger accounts."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    # NULL: the bank's own programme, across partners (staff made it).
    partner = fields.ForeignKeyField("models.Partner", related_name="points_programs", null=True,
                                     on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=100)
    unit_code = fields.CharField(max_length=8)  # the ledger "currency" of its accounts (exponent 0)
    value_currency = fields.CharField(max_length=3)  # ISO 4217: what a redeemed point pays out in
    value_minor_per_point = fields.BigIntField()  # minor units of value_currency per point
    expiry_months = fields.IntField()
    # Where redemption money comes from: a wallet in value_currency (the programme's funding).
    funding_wallet = fields.ForeignKeyField("models.Wallet", related_name="points_programs", on_delete=fields.RESTRICT)
    issuance_account = fields.OneToOneField("models.Account", related_name="points_issuance_of",
                                            on_delete=fields.RESTRICT)
    redeemed_account = fields.OneToOneField("models.Account", related_name="points_redeemed_of",
                                            on_delete=fields.RESTRICT)
    expired_account = fields.OneToOneField("models.Account", related_name="points_expired_of",
                                           on_delete=fields.RESTRICT)
    # Its POINTS_RESERVE account (services.points.reserve), in value_currency: the money funded for earned points.
    # Set at creation (migration 0038 gave every older programme one). Not read from the process cache of
    # programme rows (services.points.programs.program_row) by anything that moves money: read with the holding.
    reserve_account_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "points_program"


class PointsAccount(Model):
    """One customer's points in one programme (a ledger account of the programme's unit, balance tracked)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    program = fields.ForeignKeyField("models.PointsProgram", related_name="accounts", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="points_accounts", on_delete=fields.RESTRICT)
    account = fields.OneToOneField("models.Account", related_name="points_account", on_delete=fields.RESTRICT)
    # Money in the programme's POINTS_RESERVE set aside for this customer's points (minor units of the value
    # currency). Raised when earned points are funded, lowered when funded points are spent, expire or are clawed
    # back; claimed in the same write as the reserve's entry, so per programme the reserve's balance is the sum.
    funded_minor = fields.BigIntField(default=0, db_default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "points_account"
        unique_together = (("program_id", "customer_id"),)


class PointsEarnRule(Model):
    """How many points a spend earns: points_per_unit for every unit_minor spent, with selectors and caps."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    program = fields.ForeignKeyField("models.PointsProgram", related_name="rules", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=16)  # PAYMENT or TRANSFER
    mcc = fields.CharField(max_length=4, null=True)
    merchant_id = fields.UUIDField(null=True)
    points_per_unit = fields.BigIntField()
    unit_minor = fields.BigIntField()  # the spend per unit, in the programme's value currency's minor units
    valid_from = fields.DatetimeField(null=True)
    valid_to = fields.DatetimeField(null=True)
    per_transaction_cap = fields.BigIntField(null=True)
    per_month_cap = fields.BigIntField(null=True)  # per customer and calendar month (UTC)
    status = fields.CharField(max_length=16, default="ACTIVE")  # ACTIVE or RETIRED
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "points_earn_rule"


class PointsLot(Model):
    """One earning: points with their own expiry. Redemption and expiry consume lots oldest first."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    program = fields.ForeignKeyField("models.PointsProgram", related_name="lots", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="points_lots", on_delete=fields.RESTRICT)
    rule_id = fields.UUIDField(null=True)
    # The earning's source (a payment): one lot per programme and source, so an earning is never counted twice.
    source_id = fields.UUIDField()
    transaction_id = fields.UUIDField()  # the POINTS_EARN ledger transaction
    spend_minor = fields.BigIntField()
    earned_points = fields.BigIntField()
    clawed_points = fields.BigIntField(default=0)
    month_key = fields.CharField(max_length=7)  # "2026-12": the calendar month its cap counts in
    earned_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    # Set by the expiry sweep once it has taken what was left of the lot at its expiry (services.points.expiry).
    expiry_swept = fields.BooleanField(default=False)

    class Meta:
        table = "points_lot"
        unique_together = (("program_id", "source_id"),)
        indexes = (("program_id", "customer_id", "earned_at"), ("expiry_swept", "expires_at"), ("source_id",))


class PointsClawback(Model):
    """Points taken back from a lot when its payment is refunded or reversed, and the shortfall when too few remain."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    lot = fields.ForeignKeyField("models.PointsLot", related_name="clawbacks", on_delete=fields.RESTRICT)
    source_id = fields.UUIDField()  # the refund or reversal transaction that caused it (once per lot)
    requested_points = fields.BigIntField()
    clawed_points = fields.BigIntField()
    shortfall_points = fields.BigIntField()  # requested - clawed: the customer had already spent them
    transaction_id = fields.UUIDField(null=True)  # the POINTS_CLAWBACK ledger transaction (NULL: nothing clawed)
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_clawback"
        unique_together = (("lot_id", "source_id"),)


class PointsRedemption(Model):
    """Points converted into wallet money: the money posting and its points legs, one atomic write."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    program = fields.ForeignKeyField("models.PointsProgram", related_name="redemptions", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="points_redemptions", on_delete=fields.RESTRICT)
    points = fields.BigIntField()
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    transaction_id = fields.UUIDField()  # the money posting (funding wallet -> customer wallet)
    points_transaction_id = fields.UUIDField(unique=True)  # the POINTS_REDEEM ledger transaction
    created_at = fields.DatetimeField()
    # Points spent on a payment (services.coupons.points_discount): the payment, and how many of the points went
    # back to the customer since (its refunds, its reversal or its rejection by compliance; never more than spent).
    payment_id = fields.UUIDField(null=True, db_index=True)
    returned_points = fields.BigIntField(default=0, db_default=0)
    # The part of amount_minor the programme's POINTS_RESERVE paid, as a funded leg of the payment itself (0: the
    # funding wallet paid it by a TRANSFER). Tells a refund where the value goes back.
    reserve_minor = fields.BigIntField(default=0, db_default=0)

    class Meta:
        table = "points_redemption"
