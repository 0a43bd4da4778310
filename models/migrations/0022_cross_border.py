"""International transfers (issue 14 part 7): beneficiaries, international transfers, the annual quota's lock row,
and the policy packs' crossBorder section."""

from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0021_points')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Beneficiary',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='beneficiaries', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='beneficiaries', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('country', fields.CharField(max_length=2)),
                ('currency', fields.CharField(max_length=3)),
                ('bic', fields.CharField(max_length=11)),
                ('number_kind', fields.CharField(max_length=16)),
                ('number_enc', fields.TextField(unique=False)),
                ('last_four', fields.CharField(max_length=4)),
                ('address_enc', fields.TextField(unique=False)),
                ('status', fields.CharField(max_length=16)),
                ('screening_score_bps', fields.IntField(default=0)),
                ('status_reason', fields.CharField(null=True, max_length=500)),
                ('reviewed_by', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'beneficiary', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id', 'id']), Index(fields=['status', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CrossBorderQuotaUsage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='cross_border_quota', on_delete=OnDelete.RESTRICT)),
                ('quota_year', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cross_border_quota_usage', 'app': 'models', 'unique_together': (('customer_id', 'quota_year'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InternationalTransfer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='international_transfers', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='international_transfers', on_delete=OnDelete.RESTRICT)),
                ('wallet', fields.ForeignKeyField('models.Wallet', source_field='wallet_id', db_constraint=True, to_field='id', related_name='international_transfers', on_delete=OnDelete.RESTRICT)),
                ('beneficiary', fields.ForeignKeyField('models.Beneficiary', source_field='beneficiary_id', db_constraint=True, to_field='id', related_name='transfers', on_delete=OnDelete.RESTRICT)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', unique=True, db_constraint=True, to_field='id', related_name='international_transfer', on_delete=OnDelete.RESTRICT)),
                ('rail_transfer_id', fields.UUIDField(unique=True)),
                ('quote_id', fields.UUIDField(unique=True)),
                ('purpose_code', fields.CharField(null=True, max_length=8)),
                ('destination_country', fields.CharField(max_length=2)),
                ('sell_amount_minor', fields.BigIntField()),
                ('sell_currency', fields.CharField(max_length=3)),
                ('buy_amount_minor', fields.BigIntField()),
                ('buy_currency', fields.CharField(max_length=3)),
                ('fee_minor', fields.BigIntField()),
                ('customer_rate_e9', fields.BigIntField()),
                ('quota_year', fields.IntField(null=True)),
                ('quota_currency', fields.CharField(null=True, max_length=3)),
                ('quota_minor', fields.BigIntField(default=0)),
                ('compliance_review', fields.BooleanField(default=False)),
                ('travel_rule_enc', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'international_transfer', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'quota_year']), Index(fields=['partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='CompliancePolicy',
            name='cross_border',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
