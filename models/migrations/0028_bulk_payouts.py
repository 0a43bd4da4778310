"""Bulk payouts (issue 16 part 7): batches and their lines."""

from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0027_business')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BulkPayout',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='bulk_payouts', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='bulk_payouts', on_delete=OnDelete.RESTRICT)),
                ('from_wallet', fields.ForeignKeyField('models.Wallet', source_field='from_wallet_id', db_constraint=True, to_field='id', related_name='bulk_payouts', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('mode', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=24)),
                ('line_count', fields.IntField()),
                ('valid_count', fields.IntField()),
                ('invalid_count', fields.IntField()),
                ('paid_count', fields.IntField(default=0)),
                ('failed_count', fields.IntField(default=0)),
                ('total_minor', fields.BigIntField()),
                ('paid_minor', fields.BigIntField(default=0)),
                ('idempotency_key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('execute_key', fields.CharField(null=True, max_length=255)),
                ('maker_member_id', fields.UUIDField(null=True)),
                ('checker_member_id', fields.UUIDField(null=True)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bulk_payout', 'app': 'models', 'unique_together': (('partner_id', 'idempotency_key'),), 'indexes': [Index(fields=['partner_id', 'customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One uploaded batch: its paying wallet, mode, status, counts and the keys that make its execution happen once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BulkPayoutLine',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('bulk_payout', fields.ForeignKeyField('models.BulkPayout', source_field='bulk_payout_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('line_number', fields.IntField()),
                ('raw_line', fields.CharField(max_length=1000)),
                ('beneficiary_kind', fields.CharField(null=True, max_length=16)),
                ('beneficiary_id', fields.UUIDField(null=True)),
                ('amount_minor', fields.BigIntField(null=True)),
                ('reference', fields.CharField(null=True, max_length=140)),
                ('status', fields.CharField(max_length=16)),
                ('error_code', fields.CharField(null=True, max_length=48)),
                ('error_message', fields.CharField(null=True, max_length=300)),
                ('transaction_id', fields.UUIDField(null=True)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bulk_payout_line', 'app': 'models', 'unique_together': (('bulk_payout_id', 'line_number'),), 'pk_attr': 'id', 'table_description': 'One CSV line of a batch: what it asked, its validation error, and once executed its result and transaction.'},
            bases=['Model'],
        ),
    ]
