"""Payments (issue 13): payment (a payer's wallet paid a merchant: its transaction, merchant, payment request
and what was refunded) refund (money back to the payer, one transaction each) and payment_authorization (funds reserved for a merchant, captured or released); TransactionKind gains
PAYMENT and REFUND."""

from tortoise.migrations import operations as ops
from models.migration_ops import AlterEnumDescription
from models.enums import TransactionKind
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0012_merchants')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PaymentAuthorization',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='authorizations', on_delete=OnDelete.RESTRICT)),
                ('merchant_partner', fields.ForeignKeyField('models.Partner', source_field='merchant_partner_id', db_constraint=True, to_field='id', related_name='merchant_authorizations', on_delete=OnDelete.RESTRICT)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='authorizations', on_delete=OnDelete.RESTRICT)),
                ('wallet', fields.ForeignKeyField('models.Wallet', source_field='wallet_id', db_constraint=True, to_field='id', related_name='authorizations', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField()),
                ('captured_minor', fields.BigIntField(default=0)),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharField(default='ACTIVE', max_length=16)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('idempotency_key', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payment_authorization', 'app': 'models', 'unique_together': (('partner_id', 'idempotency_key'),), 'indexes': [Index(fields=['status', 'expires_at']), Index(fields=['merchant_partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('merchant_partner', fields.ForeignKeyField('models.Partner', source_field='merchant_partner_id', db_constraint=True, to_field='id', related_name='merchant_payments', on_delete=OnDelete.RESTRICT)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('payment_request', fields.ForeignKeyField('models.PaymentRequest', source_field='payment_request_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', unique=True, db_constraint=True, to_field='id', related_name='payment', on_delete=OnDelete.RESTRICT)),
                ('payer_wallet', fields.ForeignKeyField('models.Wallet', source_field='payer_wallet_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('authorization', fields.ForeignKeyField('models.PaymentAuthorization', source_field='authorization_id', null=True, db_constraint=True, to_field='id', related_name='captures', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('refunded_minor', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'created_at']), Index(fields=['merchant_partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', unique=True, db_constraint=True, to_field='id', related_name='refund', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('reason', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'refund', 'app': 'models', 'indexes': [Index(fields=['payment_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND', enum_type=TransactionKind, max_length=24),
        ),
    ]

