"""Daily rollups for the staff reporting queries (issue 17 part 1)."""

from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0029_points_return')]

    initial = False

    operations = [
        # The raw tail of the reports (days not rolled up yet) reads a few days of every partner by created_at.
        ops.AddIndex(model_name='Transaction', index=Index(fields=['created_at'])),
        ops.CreateModel(
            name='ReportRolledPeriod',
            fields=[
                ('period', fields.CharField(primary_key=True, max_length=10, unique=True, db_index=True)),
                ('rolled_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_rolled_period', 'app': 'models', 'pk_attr': 'period'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportDayVolume',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('day', fields.CharField(max_length=10)),
                ('partner_id', fields.UUIDField()),
                ('kind', fields.CharField(max_length=24)),
                ('currency', fields.CharField(max_length=3)),
                ('txn_count', fields.BigIntField()),
                ('amount_minor', fields.BigIntField()),
            ],
            options={'table': 'report_day_volume', 'app': 'models', 'indexes': [Index(fields=['day', 'partner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportDayRevenue',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('day', fields.CharField(max_length=10)),
                ('partner_id', fields.UUIDField()),
                ('currency', fields.CharField(max_length=3)),
                ('fee_minor', fields.BigIntField()),
                ('merchant_fee_minor', fields.BigIntField()),
                ('fx_revenue_minor', fields.BigIntField()),
                ('partner_share_minor', fields.BigIntField()),
            ],
            options={'table': 'report_day_revenue', 'app': 'models', 'indexes': [Index(fields=['day', 'partner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportDayMerchant',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('day', fields.CharField(max_length=10)),
                ('partner_id', fields.UUIDField()),
                ('merchant_id', fields.UUIDField()),
                ('currency', fields.CharField(max_length=3)),
                ('txn_count', fields.BigIntField()),
                ('amount_minor', fields.BigIntField()),
            ],
            options={'table': 'report_day_merchant', 'app': 'models', 'indexes': [Index(fields=['day', 'partner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportDayWallet',
            fields=[
                ('id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('day', fields.CharField(max_length=10)),
                ('partner_id', fields.UUIDField()),
                ('wallet_id', fields.UUIDField()),
                ('customer_id', fields.UUIDField()),
            ],
            options={'table': 'report_day_wallet', 'app': 'models', 'indexes': [Index(fields=['day', 'partner_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
