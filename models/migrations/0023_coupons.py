"""Coupon campaigns (issue 15 part 4): campaigns with a funded COUPON_BUDGET account, and customers' coupons."""

from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import AccountKind, TransactionKind
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0022_cross_border')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CouponCampaign',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', null=True, db_constraint=True, to_field='id', related_name='coupon_campaigns', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=100)),
                ('issuer', fields.CharField(max_length=16)),
                ('issuer_merchant_id', fields.UUIDField(null=True)),
                ('funding_wallet', fields.ForeignKeyField('models.Wallet', source_field='funding_wallet_id', db_constraint=True, to_field='id', related_name='coupon_campaigns', on_delete=OnDelete.RESTRICT)),
                ('budget_account', fields.OneToOneField('models.Account', source_field='budget_account_id', db_constraint=True, to_field='id', related_name='coupon_campaign', on_delete=OnDelete.RESTRICT)),
                ('currency', fields.CharField(max_length=3)),
                ('discount_kind', fields.CharField(max_length=16)),
                ('amount_off_minor', fields.BigIntField(null=True)),
                ('percent_off_bps', fields.IntField(null=True)),
                ('max_discount_minor', fields.BigIntField(null=True)),
                ('min_spend_minor', fields.BigIntField(default=0)),
                ('merchant_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('mccs', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_to', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('budget_minor', fields.BigIntField()),
                ('budget_used_minor', fields.BigIntField(default=0)),
                ('per_customer_limit', fields.IntField()),
                ('stackable', fields.BooleanField(default=False)),
                ('refund_rule', fields.CharField(max_length=16)),
                ('claim_code', fields.CharField(null=True, unique=True, max_length=32)),
                ('funding_transaction_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'coupon_campaign', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A coupon campaign: who issues and funds it, the discount, where and when it applies, its budget and limits.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.CouponCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(default='ISSUED', max_length=16)),
                ('source', fields.CharField(max_length=16)),
                ('payment_id', fields.UUIDField(null=True)),
                ('discount_minor', fields.BigIntField(default=0)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coupon', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'status']), Index(fields=['campaign_id', 'customer_id']), Index(fields=['payment_id'])], 'pk_attr': 'id', 'table_description': 'One coupon of a campaign held by one customer: ISSUED (usable), REDEEMED (used by a payment).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description='WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX\nFX_POSITION: FX_POSITION\nFX_REVENUE: FX_REVENUE\nPOINTS_ISSUANCE: POINTS_ISSUANCE\nPOINTS: POINTS\nPOINTS_REDEEMED: POINTS_REDEEMED\nPOINTS_EXPIRED: POINTS_EXPIRED\nCOUPON_BUDGET: COUPON_BUDGET', enum_type=AccountKind, max_length=24),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION\nPOINTS_EARN: POINTS_EARN\nPOINTS_CLAWBACK: POINTS_CLAWBACK\nPOINTS_REDEEM: POINTS_REDEEM\nPOINTS_EXPIRY: POINTS_EXPIRY\nCOUPON_FUNDING: COUPON_FUNDING', enum_type=TransactionKind, max_length=24),
        ),
    ]

