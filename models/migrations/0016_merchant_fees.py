"""Merchant fees: who pays a PAYMENT fee (SENDER or RECEIVER), the MCC and merchant selectors, and a merchant
fee's treatment on refund."""

from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0015_reversals')]

    initial = False

    operations = [
        ops.AddField(
            model_name='FeeRule',
            name='mcc',
            field=fields.CharField(null=True, max_length=4),
        ),
        ops.AddField(
            model_name='FeeRule',
            name='merchant',
            field=fields.ForeignKeyField('models.Merchant', source_field='merchant_id', null=True, db_constraint=True, to_field='id', related_name='fee_rules', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='FeeRule',
            name='payer',
            field=fields.CharField(default='SENDER', db_default='SENDER', max_length=8),
        ),
        ops.AddField(
            model_name='FeeRule',
            name='refund_treatment',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]

