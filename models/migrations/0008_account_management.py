from tortoise.migrations import operations as ops
from models.migration_ops import AlterEnumDescription
from models.enums import CustomerStatus, TransactionKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0007_token_cutoffs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerOwnLimit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='customer_own_limits', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='own_limits', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('daily_minor', fields.BigIntField(null=True)),
                ('single_max_minor', fields.BigIntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customer_own_limit', 'app': 'models', 'unique_together': (('customer', 'currency'),), 'pk_attr': 'id', 'table_description': "Limits a customer set itself in one currency, below its tier's: the posting applies the lower of the two."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Customer',
            name='address_enc',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='status',
            field=fields.CharEnumField(default=CustomerStatus.ACTIVE, description='ACTIVE: ACTIVE\nCLOSED: CLOSED', db_default='ACTIVE', enum_type=CustomerStatus, max_length=16),
        ),
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP', enum_type=TransactionKind, max_length=24),
        ),
        ops.AddField(
            model_name='Wallet',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Wallet',
            name='nickname',
            field=fields.CharField(null=True, max_length=40),
        ),
    ]
