"""Points programmes (issue 15 parts 1-3): programmes, earn rules, point lots."""

from models.enums import AccountKind, TransactionKind
from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0020_reconciliation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PointsProgram',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name='points_programs', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=100)),
                ('unit_code', fields.CharField(max_length=8)),
                ('value_currency', fields.CharField(max_length=3)),
                ('value_minor_per_point', fields.BigIntField()),
                ('expiry_months', fields.IntField()),
                ('funding_wallet', fields.ForeignKeyField('models.Wallet', source_field='funding_wallet_id', db_constraint=True, to_field='id', related_name='points_programs', on_delete=OnDelete.RESTRICT)),
                ('issuance_account', fields.OneToOneField('models.Account', source_field='issuance_account_id', db_constraint=True, to_field='id', related_name='points_issuance_of', on_delete=OnDelete.RESTRICT)),
                ('redeemed_account', fields.OneToOneField('models.Account', source_field='redeemed_account_id', db_constraint=True, to_field='id', related_name='points_redeemed_of', on_delete=OnDelete.RESTRICT)),
                ('expired_account', fields.OneToOneField('models.Account', source_field='expired_account_id', db_constraint=True, to_field='id', related_name='points_expired_of', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'points_program', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A points programme: its unit, what a point is worth when redeemed, and its ledger accounts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsAccount',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('program', fields.ForeignKeyField('models.PointsProgram', source_field='program_id', db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='points_accounts', on_delete=OnDelete.RESTRICT)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='points_account', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'points_account', 'app': 'models', 'unique_together': (('program_id', 'customer_id'),), 'pk_attr': 'id', 'table_description': "One customer's points in one programme (a ledger account of the programme's unit, balance tracked)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsEarnRule',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('program', fields.ForeignKeyField('models.PointsProgram', source_field='program_id', db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('mcc', fields.CharField(null=True, max_length=4)),
                ('merchant_id', fields.UUIDField(null=True)),
                ('points_per_unit', fields.BigIntField()),
                ('unit_minor', fields.BigIntField()),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('per_transaction_cap', fields.BigIntField(null=True)),
                ('per_month_cap', fields.BigIntField(null=True)),
                ('status', fields.CharField(default='ACTIVE', max_length=16)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'points_earn_rule', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How many points a spend earns: points_per_unit for every unit_minor spent, with selectors and caps.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsLot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('program', fields.ForeignKeyField('models.PointsProgram', source_field='program_id', db_constraint=True, to_field='id', related_name='lots', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='points_lots', on_delete=OnDelete.RESTRICT)),
                ('rule_id', fields.UUIDField(null=True)),
                ('source_id', fields.UUIDField()),
                ('transaction_id', fields.UUIDField()),
                ('spend_minor', fields.BigIntField()),
                ('earned_points', fields.BigIntField()),
                ('clawed_points', fields.BigIntField(default=0)),
                ('month_key', fields.CharField(max_length=7)),
                ('earned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expiry_swept', fields.BooleanField(default=False)),
            ],
            options={'table': 'points_lot', 'app': 'models', 'unique_together': (('program_id', 'source_id'),), 'indexes': [Index(fields=['program_id', 'customer_id', 'earned_at']), Index(fields=['expiry_swept', 'expires_at']), Index(fields=['source_id'])], 'pk_attr': 'id', 'table_description': 'One earning: points with their own expiry. Redemption and expiry consume lots oldest first.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsClawback',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('lot', fields.ForeignKeyField('models.PointsLot', source_field='lot_id', db_constraint=True, to_field='id', related_name='clawbacks', on_delete=OnDelete.RESTRICT)),
                ('source_id', fields.UUIDField()),
                ('requested_points', fields.BigIntField()),
                ('clawed_points', fields.BigIntField()),
                ('shortfall_points', fields.BigIntField()),
                ('transaction_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_clawback', 'app': 'models', 'unique_together': (('lot_id', 'source_id'),), 'pk_attr': 'id', 'table_description': 'Points taken back from a lot when its payment is refunded or reversed, and the shortfall when too few remain.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsRedemption',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('program', fields.ForeignKeyField('models.PointsProgram', source_field='program_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='points_redemptions', on_delete=OnDelete.RESTRICT)),
                ('points', fields.BigIntField()),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('transaction_id', fields.UUIDField()),
                ('points_transaction_id', fields.UUIDField(unique=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_redemption', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Points converted into wallet money: the money posting and its points legs, one atomic write.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description='WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX\nFX_POSITION: FX_POSITION\nFX_REVENUE: FX_REVENUE\nPOINTS_ISSUANCE: POINTS_ISSUANCE\nPOINTS: POINTS\nPOINTS_REDEEMED: POINTS_REDEEMED\nPOINTS_EXPIRED: POINTS_EXPIRED', enum_type=AccountKind, max_length=24),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION\nPOINTS_EARN: POINTS_EARN\nPOINTS_CLAWBACK: POINTS_CLAWBACK\nPOINTS_REDEEM: POINTS_REDEEM\nPOINTS_EXPIRY: POINTS_EXPIRY', enum_type=TransactionKind, max_length=24),
        ),
    ]
