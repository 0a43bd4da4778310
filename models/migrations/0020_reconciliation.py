"""Settlement and reconciliation (issue 14): imported rail settlement files (by SHA-256) and the reconciliation
exceptions they raise, one OPEN per (rail, kind, reference)."""

from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0019_rails')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SettlementFile',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('rail', fields.CharField(max_length=32)),
                ('sha256', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('lines', fields.IntField()),
                ('counts', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('imported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'settlement_file', 'app': 'models', 'unique_together': (('rail', 'sha256'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReconciliationException',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('rail', fields.CharField(max_length=32)),
                ('kind', fields.CharField(max_length=24)),
                ('reference', fields.CharField(null=True, max_length=255)),
                ('rail_transfer_id', fields.UUIDField(null=True)),
                ('settlement_file', fields.ForeignKeyField('models.SettlementFile', source_field='settlement_file_id', null=True, db_constraint=True, to_field='id', related_name='exceptions', on_delete=OnDelete.RESTRICT)),
                ('line_number', fields.IntField(null=True)),
                ('line_text', fields.TextField(null=True, unique=False)),
                ('expected_minor', fields.BigIntField(null=True)),
                ('actual_minor', fields.BigIntField(null=True)),
                ('currency', fields.CharField(null=True, max_length=3)),
                ('actual_currency', fields.CharField(null=True, max_length=3)),
                ('our_status', fields.CharField(null=True, max_length=20)),
                ('file_status', fields.CharField(null=True, max_length=16)),
                ('detail', fields.CharField(max_length=500)),
                ('status', fields.CharField(default='OPEN', max_length=8)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=400)),
                ('resolution_reason', fields.CharField(null=True, max_length=1000)),
                ('resolved_by', fields.CharField(null=True, max_length=128)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reconciliation_exception', 'app': 'models', 'indexes': [Index(fields=['status', 'rail', 'id']), Index(fields=['rail', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
