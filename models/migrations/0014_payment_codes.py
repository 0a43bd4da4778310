"""Customer-presented payment codes (issue 13 item 4): payment_code (a one-time numeric code a wallet shows for
a merchant to scan, stored as its SHA-256 and last 4 digits, claimed once by the PAYMENT posting that collects it)
and payment_code_miss (failed collects per merchant partner, the sliding window that rate-limits guessing)."""

from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0013_payments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PaymentCode',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='payment_codes', on_delete=OnDelete.RESTRICT)),
                ('wallet', fields.ForeignKeyField('models.Wallet', source_field='wallet_id', db_constraint=True, to_field='id', related_name='payment_codes', on_delete=OnDelete.RESTRICT)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('last_digits', fields.CharField(max_length=4)),
                ('currency', fields.CharField(max_length=3)),
                ('max_amount_minor', fields.BigIntField(null=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('payment_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_code', 'app': 'models', 'indexes': [Index(fields=['wallet_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentCodeMiss',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='payment_code_misses', on_delete=OnDelete.RESTRICT)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_code_miss', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'occurred_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

