from tortoise.migrations import operations as ops
from tortoise import fields
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0004_compliance')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LimitUsage',
            name='velocity_count',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='LimitUsage',
            name='velocity_window_start',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Transaction',
            name='limit_day_key',
            field=fields.CharField(null=True, max_length=10),
        ),
    ]
