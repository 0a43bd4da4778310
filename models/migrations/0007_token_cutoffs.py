from tortoise.migrations import operations as ops
from tortoise import fields
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0006_strong_authentication')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiClient',
            name='min_token_iat_s',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ApiClient',
            name='pending_min_token_iat_s',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ApiClient',
            name='previous_secret_expires_s',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ApiClient',
            name='previous_secret_hash',
            field=fields.CharField(null=True, max_length=256),
        ),
        ops.AddField(
            model_name='Partner',
            name='min_token_iat_s',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='StaffUser',
            name='min_token_iat_s',
            field=fields.BigIntField(null=True),
        ),
    ]
