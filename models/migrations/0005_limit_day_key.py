from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_compliance')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Transaction',
            name='limit_day_key',
            field=fields.CharField(null=True, max_length=10),
        ),
    ]
