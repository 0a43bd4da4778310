from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0002_access_and_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FeeRule',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name='fee_rules', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=32)),
                ('currency', fields.CharField(null=True, max_length=3)),
                ('corridor', fields.CharField(null=True, max_length=16)),
                ('destination_country', fields.CharField(null=True, max_length=2)),
                ('customer_kind', fields.CharField(null=True, max_length=16)),
                ('amount_min_minor', fields.BigIntField(null=True)),
                ('amount_max_minor', fields.BigIntField(null=True)),
                ('fixed_minor', fields.BigIntField(default=0)),
                ('rate_bps', fields.IntField(default=0)),
                ('fee_min_minor', fields.BigIntField(default=0)),
                ('fee_max_minor', fields.BigIntField(null=True)),
                ('free_per_month', fields.IntField(default=0)),
                ('effective_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('effective_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.CharField(max_length=128)),
            ],
            options={'table': 'fee_rule', 'app': 'models', 'indexes': [Index(fields=['kind', 'partner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Partner',
            name='fee_share_bps',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Transaction',
            name='fee_breakdown',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
