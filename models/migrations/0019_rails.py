"""Payment rails (issue 14): rail transfers (top-ups from and withdrawals to linked funding sources), the rail
callbacks accepted (replay protection), the simulated rail's scheduled outcomes, the RAIL_RETURN kind, and the
fee rules' route selector."""

from tortoise.migrations import operations as ops
from models.enums import TransactionKind
from models.migration_ops import AlterEnumDescription
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0018_fx')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RailCallback',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('rail', fields.CharField(max_length=32)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'rail_callback', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RailTransfer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='rail_transfers', on_delete=OnDelete.RESTRICT)),
                ('wallet', fields.ForeignKeyField('models.Wallet', source_field='wallet_id', db_constraint=True, to_field='id', related_name='rail_transfers', on_delete=OnDelete.RESTRICT)),
                ('direction', fields.CharField(max_length=3)),
                ('rail', fields.CharField(max_length=32)),
                ('source_kind', fields.CharField(max_length=16)),
                ('source_id', fields.UUIDField()),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', unique=True, db_constraint=True, to_field='id', related_name='rail_transfer', on_delete=OnDelete.RESTRICT)),
                ('return_transaction_id', fields.UUIDField(null=True)),
                ('status', fields.CharField(default='SUBMITTING', max_length=20)),
                ('reason_code', fields.CharField(null=True, max_length=64)),
                ('rail_reference', fields.CharField(null=True, max_length=64)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'rail_transfer', 'app': 'models', 'unique_together': (('rail', 'rail_reference'),), 'indexes': [Index(fields=['status', 'created_at']), Index(fields=['partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SimulatedRailEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('rail', fields.CharField(max_length=32)),
                ('rail_reference', fields.CharField(max_length=64)),
                ('status', fields.CharField(max_length=16)),
                ('reason_code', fields.CharField(null=True, max_length=64)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'simulated_rail_event', 'app': 'models', 'unique_together': (('rail', 'rail_reference', 'status'),), 'indexes': [Index(fields=['delivered_at', 'due_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FeeRule',
            name='route',
            field=fields.CharField(null=True, max_length=16),
        ),
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION', enum_type=TransactionKind, max_length=24),
        ),
    ]

