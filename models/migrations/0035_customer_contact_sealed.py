"""A customer's display name, e-mail and phone are stored sealed (issue 19 security finding).

The columns are renamed `*_enc` and widened to text: they hold AES-GCM tokens (services.pii) from now on.
Rows written before hold clear text until `seal_clear_customers` (services.customer_pii) seals them, which
`qianbao serve` runs after migrating (it has the master key); until then a reader takes a value that is not a token
as clear text, so nothing breaks between the two steps.
"""

from tortoise import fields
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0034_pending_deliveries_index')]

    initial = False

    operations = [
        ops.RenameField(model_name='Customer', old_name='display_name', new_name='display_name_enc'),
        ops.RenameField(model_name='Customer', old_name='email', new_name='email_enc'),
        ops.RenameField(model_name='Customer', old_name='phone', new_name='phone_enc'),
        ops.AlterField(model_name='Customer', name='display_name_enc', field=fields.TextField()),
        ops.AlterField(model_name='Customer', name='email_enc', field=fields.TextField(null=True)),
        ops.AlterField(model_name='Customer', name='phone_enc', field=fields.TextField(null=True)),
    ]
