"""Businesses with several users (issue 16 parts 5 and 6): members, approval policies and payout requests."""

from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0026_support')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BusinessApprovalPolicy',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='business_approval_policies', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='business_approval_policies', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('threshold_minor', fields.BigIntField()),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'business_approval_policy', 'app': 'models', 'unique_together': (('customer_id', 'currency'),), 'pk_attr': 'id', 'table_description': "A business's maker-checker threshold in one currency: payouts above it need a second member's approval."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BusinessMember',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='business_members', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='business_members', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='ACTIVE', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'business_member', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One person acting for a BUSINESS customer, with a role (services.business.member_permissions says what it may do).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PayoutRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='payout_requests', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='payout_requests', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('from_wallet_id', fields.UUIDField()),
                ('to_wallet_id', fields.UUIDField(null=True)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('memo', fields.CharField(null=True, max_length=280)),
                ('status', fields.CharField(default='PENDING', max_length=16)),
                ('maker_member_id', fields.UUIDField()),
                ('checker_member_id', fields.UUIDField(null=True)),
                ('transaction_id', fields.UUIDField(unique=True)),
                ('reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payout_request', 'app': 'models', 'indexes': [Index(fields=['status', 'expires_at']), Index(fields=['partner_id', 'customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A payout above the threshold waiting for a checker: its funds are held until approved, rejected or expired.'},
            bases=['Model'],
        ),
    ]
