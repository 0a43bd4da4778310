from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', fields.SmallIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chain_seq', fields.BigIntField()),
                ('hash', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'audit_chain_head', 'app': 'models', 'pk_attr': 'id', 'table_description': "The chain's last position and hash, moved by the chainer in the same"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_kind', fields.CharField(max_length=16)),
                ('actor_id', fields.CharField(max_length=128)),
                ('partner_id', fields.UUIDField(null=True)),
                ('operation', fields.CharField(max_length=64)),
                ('object_type', fields.CharField(null=True, max_length=32)),
                ('object_id', fields.CharField(null=True, max_length=64)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('outcome', fields.CharField(max_length=48)),
                ('detail', fields.TextField(null=True, unique=False)),
                ('chain_seq', fields.BigIntField(null=True, unique=True)),
                ('prev_hash', fields.CharField(null=True, max_length=64)),
                ('hash', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'id']), Index(fields=['actor_id', 'id']), Index(fields=['object_id']), Index(fields=['occurred_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevokedToken',
            fields=[
                ('jti', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_by', fields.CharField(max_length=128)),
            ],
            options={'table': 'revoked_token', 'app': 'models', 'pk_attr': 'jti'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=256)),
                ('role', fields.CharField(max_length=16)),
                ('active', fields.BooleanField(default=True, db_default=True)),
                ('failed_logins', fields.IntField(default=0, db_default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
