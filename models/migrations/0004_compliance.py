from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import CustomerKind, KycStatus, ScreeningStatus, TransactionStatus
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0003_fees')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AmlCase',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='aml_cases', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='aml_cases', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=200)),
                ('status', fields.CharField(default='OPEN', max_length=16)),
                ('assignee_id', fields.CharField(null=True, max_length=64)),
                ('opened_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'aml_case', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AmlAlert',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='aml_alerts', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='aml_alerts', on_delete=OnDelete.RESTRICT)),
                ('wallet', fields.ForeignKeyField('models.Wallet', source_field='wallet_id', null=True, db_constraint=True, to_field='id', related_name='aml_alerts', on_delete=OnDelete.RESTRICT)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', null=True, db_constraint=True, to_field='id', related_name='aml_alerts', on_delete=OnDelete.RESTRICT)),
                ('case', fields.ForeignKeyField('models.AmlCase', source_field='case_id', null=True, db_constraint=True, to_field='id', related_name='alerts', on_delete=OnDelete.RESTRICT)),
                ('rule', fields.CharField(max_length=32)),
                ('severity', fields.CharField(max_length=8)),
                ('action', fields.CharField(max_length=8)),
                ('status', fields.CharField(default='OPEN', max_length=16)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
                ('resolution_reason', fields.CharField(null=True, max_length=1000)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'aml_alert', 'app': 'models', 'indexes': [Index(fields=['status', 'severity', 'created_at']), Index(fields=['partner_id', 'created_at']), Index(fields=['transaction_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AmlCaseNote',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.AmlCase', source_field='case_id', db_constraint=True, to_field='id', related_name='notes', on_delete=OnDelete.RESTRICT)),
                ('author_id', fields.CharField(max_length=64)),
                ('text', fields.CharField(max_length=4000)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'aml_case_note', 'app': 'models', 'indexes': [Index(fields=['case_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CompliancePolicy',
            fields=[
                ('jurisdiction', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=16)),
                ('name', fields.CharField(max_length=120)),
                ('countries', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('timezone', fields.CharField(max_length=64)),
                ('large_transaction_thresholds', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tiers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('aml_rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('version', fields.IntField(default=1)),
                ('updated_by', fields.CharField(null=True, max_length=128)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'compliance_policy', 'app': 'models', 'pk_attr': 'jurisdiction'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DataKey',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('wrapped_key', fields.TextField(unique=False)),
                ('master_key_id', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='ACTIVE', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'data_key', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name='domain_events', on_delete=OnDelete.RESTRICT)),
                ('type', fields.CharField(max_length=48)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'domain_event', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'id']), Index(fields=['delivered_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycSubmission',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='kyc_submissions', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='kyc_submissions', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=KycStatus.PENDING, description='NONE: NONE\nPENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED\nNEEDS_INFO: NEEDS_INFO', enum_type=KycStatus, max_length=16)),
                ('open_customer_key', fields.CharField(null=True, unique=True, max_length=36)),
                ('subject_kind', fields.CharEnumField(description='INDIVIDUAL: INDIVIDUAL\nBUSINESS: BUSINESS', enum_type=CustomerKind, max_length=16)),
                ('nationality', fields.CharField(max_length=2)),
                ('id_type', fields.CharField(max_length=32)),
                ('legal_name_enc', fields.TextField(unique=False)),
                ('date_of_birth_enc', fields.TextField(null=True, unique=False)),
                ('id_number_enc', fields.TextField(unique=False)),
                ('address_enc', fields.TextField(unique=False)),
                ('business_enc', fields.TextField(null=True, unique=False)),
                ('documents', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('screening', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tier_granted', fields.SmallIntField(null=True)),
                ('review_reason', fields.CharField(null=True, max_length=1000)),
                ('reviewed_by', fields.CharField(null=True, max_length=64)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kyc_submission', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id', 'submitted_at']), Index(fields=['status', 'submitted_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LimitUsage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='limit_usage', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('day_key', fields.CharField(default='', max_length=10)),
                ('day_out_minor', fields.BigIntField(default=0)),
                ('month_key', fields.CharField(default='', max_length=7)),
                ('month_out_minor', fields.BigIntField(default=0)),
                ('year_key', fields.CharField(default='', max_length=4)),
                ('year_out_minor', fields.BigIntField(default=0)),
                ('lifetime_out_minor', fields.BigIntField(default=0)),
            ],
            options={'table': 'limit_usage', 'app': 'models', 'unique_together': (('customer', 'currency'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WatchlistEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('list_id', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=300)),
                ('aliases', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('date_of_birth', fields.CharField(null=True, max_length=10)),
                ('country', fields.CharField(null=True, max_length=2)),
                ('loaded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'watchlist_entry', 'app': 'models', 'indexes': [Index(fields=['list_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Customer',
            name='screening_status',
            field=fields.CharEnumField(default=ScreeningStatus.CLEAR, description='CLEAR: CLEAR\nHOLD: HOLD\nBLOCKED: BLOCKED', enum_type=ScreeningStatus, max_length=16),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='status',
            field=fields.CharEnumField(default=TransactionStatus.POSTED, description='POSTED: POSTED\nHELD: HELD\nREJECTED: REJECTED', enum_type=TransactionStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Transaction',
            name='held_legs',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Transaction',
            name='hold_minor',
            field=fields.BigIntField(default=0),
        ),
        ops.AddIndex(
            model_name='Transaction',
            index=Index(fields=['from_wallet_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Transaction',
            index=Index(fields=['to_wallet_id', 'created_at']),
        ),
        ops.AddField(
            model_name='Wallet',
            name='status_reason',
            field=fields.CharField(null=True, max_length=500),
        ),
    ]
