"""The open day rolled up to an instant, so the reports read minutes of ledger instead of a whole day (issue 17)."""

from tortoise.migrations import operations as ops
from tortoise import fields
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0030_reporting_rollups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportPartialDay',
            fields=[
                ('day', fields.CharField(primary_key=True, max_length=10, unique=True, db_index=True)),
                ('rolled_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('rolled_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report_partial_day', 'app': 'models', 'pk_attr': 'day'},
            bases=['Model'],
        ),
    ]
