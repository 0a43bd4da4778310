"""Signed checkpoints of the audit chain's head (issue 19 item 8): truncating the chain is detected."""

from tortoise.migrations import operations as ops
from tortoise import fields
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0032_one_row_per_transaction')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('number', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('chain_seq', fields.BigIntField()),
                ('hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('master_key_id', fields.CharField(max_length=64)),
                ('signature', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_checkpoint', 'app': 'models', 'pk_attr': 'number',
                     'table_description': 'The chain\'s head at a moment, signed with a MAC under the master key (services.audit_checkpoint).'},
            bases=['Model'],
        ),
    ]
