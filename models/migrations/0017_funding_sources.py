"""Linked bank accounts and cards (issue 14): the funding sources of top-ups and withdrawals."""

from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.funding import BankAccountStatus, CardStatus
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0016_merchant_fees')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BankAccount',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='bank_accounts', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='bank_accounts', on_delete=OnDelete.RESTRICT)),
                ('country', fields.CharField(max_length=2)),
                ('currency', fields.CharField(max_length=3)),
                ('bank_code', fields.CharField(null=True, max_length=16)),
                ('number_enc', fields.TextField(unique=False)),
                ('number_fingerprint', fields.CharField(max_length=64)),
                ('last_four', fields.CharField(max_length=4)),
                ('holder_name', fields.CharField(max_length=200)),
                ('name_score_bps', fields.IntField()),
                ('status', fields.CharEnumField(description='PENDING_VERIFICATION: PENDING_VERIFICATION\nNEEDS_REVIEW: NEEDS_REVIEW\nVERIFIED: VERIFIED\nLOCKED: LOCKED\nREJECTED: REJECTED\nREMOVED: REMOVED', enum_type=BankAccountStatus, max_length=24)),
                ('verification_method', fields.CharField(max_length=16)),
                ('micro_deposits', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('failed_attempts', fields.SmallIntField(default=0)),
                ('status_reason', fields.CharField(null=True, max_length=500)),
                ('reviewed_by', fields.CharField(null=True, max_length=64)),
                ('live_key', fields.CharField(null=True, unique=True, max_length=101)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'bank_account', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Card',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='cards', on_delete=OnDelete.RESTRICT)),
                ('processor_token', fields.CharField(max_length=128)),
                ('brand', fields.CharField(max_length=16)),
                ('last_four', fields.CharField(max_length=4)),
                ('expiry_month', fields.SmallIntField()),
                ('expiry_year', fields.SmallIntField()),
                ('holder_name', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(description='ACTIVE: ACTIVE\nREMOVED: REMOVED', enum_type=CardStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'card', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
