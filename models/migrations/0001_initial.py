from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import AccountKind, ApiClientStatus, CustomerKind, KycStatus, PartnerStatus, TransactionKind, TransactionStatus, WalletStatus
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Partner',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=PartnerStatus.ACTIVE, description='ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED', enum_type=PartnerStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'partner', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE', enum_type=AccountKind, max_length=24)),
                ('currency', fields.CharField(max_length=3)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.RESTRICT)),
                ('tracks_balance', fields.BooleanField(default=True)),
                ('system_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('balance_minor', fields.BigIntField(default=0)),
                ('held_minor', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account', 'app': 'models', 'indexes': [Index(fields=['kind', 'currency'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiClient',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='api_clients', on_delete=OnDelete.RESTRICT)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=256)),
                ('scopes', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=ApiClientStatus.ACTIVE, description='ACTIVE: ACTIVE\nREVOKED: REVOKED', enum_type=ApiClientStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'api_client', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.RESTRICT)),
                ('external_ref', fields.CharField(max_length=128)),
                ('kind', fields.CharEnumField(description='INDIVIDUAL: INDIVIDUAL\nBUSINESS: BUSINESS', enum_type=CustomerKind, max_length=16)),
                ('display_name', fields.CharField(max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('country', fields.CharField(max_length=2)),
                ('kyc_status', fields.CharEnumField(default=KycStatus.NONE, description='NONE: NONE\nPENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED\nNEEDS_INFO: NEEDS_INFO', enum_type=KycStatus, max_length=16)),
                ('kyc_tier', fields.SmallIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer', 'app': 'models', 'unique_together': (('partner', 'external_ref'),), 'indexes': [Index(fields=['partner_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='idempotency_records', on_delete=OnDelete.RESTRICT)),
                ('key', fields.CharField(max_length=255)),
                ('request_hash', fields.CharField(max_length=64)),
                ('operation', fields.CharField(max_length=32)),
                ('transaction_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'models', 'unique_together': (('partner', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SigningKey',
            fields=[
                ('kid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('algorithm', fields.CharField(max_length=16)),
                ('private_pem', fields.TextField(unique=False)),
                ('public_jwk', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'signing_key', 'app': 'models', 'pk_attr': 'kid'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Wallet',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='wallets', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='wallets', on_delete=OnDelete.RESTRICT)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='wallet', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharEnumField(default=WalletStatus.ACTIVE, description='ACTIVE: ACTIVE\nFROZEN: FROZEN\nCLOSED: CLOSED', enum_type=WalletStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wallet', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id', 'id']), Index(fields=['partner_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Transaction',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='transactions', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL', enum_type=TransactionKind, max_length=24)),
                ('status', fields.CharEnumField(default=TransactionStatus.POSTED, description='POSTED: POSTED', enum_type=TransactionStatus, max_length=16)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_minor', fields.BigIntField()),
                ('fee_minor', fields.BigIntField(default=0)),
                ('from_wallet', fields.ForeignKeyField('models.Wallet', source_field='from_wallet_id', null=True, db_constraint=True, to_field='id', related_name='outgoing_transactions', on_delete=OnDelete.RESTRICT)),
                ('to_wallet', fields.ForeignKeyField('models.Wallet', source_field='to_wallet_id', null=True, db_constraint=True, to_field='id', related_name='incoming_transactions', on_delete=OnDelete.RESTRICT)),
                ('memo', fields.CharField(null=True, max_length=280)),
                ('idempotency_key', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_transaction', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'id']), Index(fields=['partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Entry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_entry', 'app': 'models', 'indexes': [Index(fields=['account_id', 'transaction_id']), Index(fields=['transaction_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
