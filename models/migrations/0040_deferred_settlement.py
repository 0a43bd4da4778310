"""Deferred merchant settlement (issue 13): a merchant may take its payments into a clearing account of its own
(never locked), moved into its settlement wallet by MERCHANT_SETTLEMENT postings in batches.

merchant.settlement says which (IMMEDIATE, the default every existing merchant keeps, or DEFERRED) and
clearing_account_id names a DEFERRED merchant's MERCHANT_CLEARING account; payment.clearing marks a payment paid into
it and payment.settlement_id the settlement that took it on; merchant_settlement holds those batches.
"""

from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

from models.enums import AccountKind, SettlementTiming, TransactionKind
from models.ids import uuid7

ACCOUNT_KINDS = 'WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX\nFX_POSITION: FX_POSITION\nFX_REVENUE: FX_REVENUE\nPOINTS_ISSUANCE: POINTS_ISSUANCE\nPOINTS: POINTS\nPOINTS_REDEEMED: POINTS_REDEEMED\nPOINTS_EXPIRED: POINTS_EXPIRED\nCOUPON_BUDGET: COUPON_BUDGET\nPOINTS_RESERVE: POINTS_RESERVE\nMERCHANT_CLEARING: MERCHANT_CLEARING'
TRANSACTION_KINDS = 'TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION\nPOINTS_EARN: POINTS_EARN\nPOINTS_CLAWBACK: POINTS_CLAWBACK\nPOINTS_REDEEM: POINTS_REDEEM\nPOINTS_EXPIRY: POINTS_EXPIRY\nPOINTS_RETURN: POINTS_RETURN\nCOUPON_FUNDING: COUPON_FUNDING\nPOINTS_FUNDING: POINTS_FUNDING\nPOINTS_RELEASE: POINTS_RELEASE\nMERCHANT_SETTLEMENT: MERCHANT_SETTLEMENT'
SETTLEMENT_TIMINGS = 'IMMEDIATE: IMMEDIATE\nDEFERRED: DEFERRED'


class Migration(SparingMigration):
    dependencies = [('models', '0039_coupon_use')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description=ACCOUNT_KINDS, enum_type=AccountKind, max_length=24),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description=TRANSACTION_KINDS, enum_type=TransactionKind, max_length=24),
        ),
        ops.AddField(model_name='Merchant', name='settlement', field=fields.CharEnumField(
            description=SETTLEMENT_TIMINGS, enum_type=SettlementTiming, max_length=16, default=SettlementTiming.IMMEDIATE,
            db_default='IMMEDIATE')),
        ops.AddField(model_name='Merchant', name='clearing_account_id', field=fields.BigIntField(null=True)),
        ops.CreateModel(
            name='MerchantSettlement',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='merchant_settlements', on_delete=OnDelete.RESTRICT)),
                ('merchant', fields.ForeignKeyField('models.Merchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='settlements', on_delete=OnDelete.RESTRICT)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('payment_count', fields.IntField()),
                ('status', fields.CharField(default='OPEN', max_length=16)),
                ('transaction_id', fields.UUIDField(null=True, unique=True)),
                ('created_at', fields.DatetimeField(auto_now_add=True)),
                ('posted_at', fields.DatetimeField(null=True)),
            ],
            options={'table': 'merchant_settlement', 'app': 'models', 'indexes': (('merchant_id', 'status'),), 'pk_attr': 'id', 'table_description': "One batch of a DEFERRED merchant's payments (they name it), posted by one MERCHANT_SETTLEMENT transaction."},
            bases=['Model'],
        ),
        ops.AddField(model_name='Payment', name='clearing', field=fields.BooleanField(default=False, db_default=False)),
        ops.AddField(model_name='Payment', name='settlement', field=fields.ForeignKeyField(
            'models.MerchantSettlement', source_field='settlement_id', null=True, db_constraint=True, to_field='id',
            related_name='payments', on_delete=OnDelete.RESTRICT)),
        ops.AddIndex(model_name='Payment', index=Index(fields=['merchant_id', 'settlement_id'])),
    ]
