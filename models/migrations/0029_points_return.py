"""Points spent on a payment go back when it is refunded, reversed or rejected (issue 15): the link and the count."""

from tortoise.migrations import operations as ops
from tortoise import fields
from models.migration_base import SparingMigration
from models.enums import TransactionKind


class Migration(SparingMigration):
    dependencies = [('models', '0028_bulk_payouts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PointsRedemption',
            name='payment_id',
            field=fields.UUIDField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='PointsRedemption',
            name='returned_points',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION\nPOINTS_EARN: POINTS_EARN\nPOINTS_CLAWBACK: POINTS_CLAWBACK\nPOINTS_REDEEM: POINTS_REDEEM\nPOINTS_EXPIRY: POINTS_EXPIRY\nPOINTS_RETURN: POINTS_RETURN\nCOUPON_FUNDING: COUPON_FUNDING', enum_type=TransactionKind, max_length=24),
        ),
    ]
