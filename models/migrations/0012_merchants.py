"""Merchants (issue 13): merchant (a BUSINESS customer's point of sale, its MCC and settlement wallet) and
payment_request (an EMVCo merchant-presented QR code: static or dynamic, its payload and expiry). New tables only."""

from tortoise.migrations import operations as ops
from models.enums import MerchantStatus
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0011_event_positions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Merchant',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='merchants', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='merchants', on_delete=OnDelete.RESTRICT)),
                ('settlement_wallet', fields.ForeignKeyField('models.Wallet', source_field='settlement_wallet_id', db_constraint=True, to_field='id', related_name='merchants', on_delete=OnDelete.RESTRICT)),
                ('display_name', fields.CharField(max_length=25)),
                ('mcc', fields.CharField(max_length=4)),
                ('city', fields.CharField(max_length=15)),
                ('country', fields.CharField(max_length=2)),
                ('status', fields.CharEnumField(default=MerchantStatus.ACTIVE, description='ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED', enum_type=MerchantStatus, max_length=16)),
                ('status_reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'merchant', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='payment_requests', on_delete=OnDelete.RESTRICT)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='payment_requests', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('reference', fields.CharField(null=True, max_length=25)),
                ('dynamic', fields.BooleanField()),
                ('single_use', fields.BooleanField()),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('payload', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_request', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'merchant_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
