from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import CustomerStatus, TransactionKind
from tortoise.fields.base import OnDelete
from tortoise import fields


class AlterEnumDescription(ops.AlterField):
    """A CharEnumField whose enum gained a value: only its description (the value list) changes.

    PostgreSQL updates the column comment; SQLite would rebuild the whole
    table to change a comment (and lose its indexes on the way), so there the
    change is recorded in the migration state only. The column, its length
    and its data are untouched on both.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
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
