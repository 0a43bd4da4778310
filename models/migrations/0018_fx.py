"""Foreign exchange (issue 14): rates, quotes and the columns of cross-currency postings.

fx_rate (mid rates as exact integers, rate x 10^9), fx_quote (single-use quotes), the FX_POSITION and
FX_REVENUE account kinds, the FX_CONVERSION transaction kind, and ledger_transaction's buy side
(buy_amount_minor, buy_currency: NULL for every single-currency kind).
"""

import functools
from json import dumps, loads

from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

from models.enums import AccountKind, TransactionKind
from models.ids import uuid7
from models.migration_ops import AlterEnumDescription


class Migration(SparingMigration):
    dependencies = [('models', '0017_funding_sources')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FxQuote',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='fx_quotes', on_delete=OnDelete.RESTRICT)),
                ('customer_id', fields.UUIDField(null=True)),
                ('sell_currency', fields.CharField(max_length=3)),
                ('buy_currency', fields.CharField(max_length=3)),
                ('sell_amount_minor', fields.BigIntField()),
                ('buy_amount_minor', fields.BigIntField()),
                ('mid_rate_e9', fields.BigIntField()),
                ('customer_rate_e9', fields.BigIntField()),
                ('spread_bps', fields.IntField()),
                ('spread_minor', fields.BigIntField()),
                ('fee_minor', fields.BigIntField()),
                ('fee_share_minor', fields.BigIntField(default=0)),
                ('fee_breakdown', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rate_id', fields.UUIDField()),
                ('rate_derived', fields.BooleanField(default=False)),
                ('from_wallet_id', fields.UUIDField(null=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('transaction_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'fx_quote', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FxRate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('base_currency', fields.CharField(max_length=3)),
                ('quote_currency', fields.CharField(max_length=3)),
                ('rate_e9', fields.BigIntField()),
                ('source', fields.CharField(max_length=64)),
                ('as_of', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(max_length=160)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'fx_rate', 'app': 'models', 'unique_together': (('base_currency', 'quote_currency', 'source', 'as_of'),), 'indexes': [Index(fields=['base_currency', 'quote_currency', 'as_of'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        AlterEnumDescription(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description='WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX\nFX_POSITION: FX_POSITION\nFX_REVENUE: FX_REVENUE', enum_type=AccountKind, max_length=24),
        ),
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION', enum_type=TransactionKind, max_length=24),
        ),
        ops.AddField(
            model_name='Transaction',
            name='buy_amount_minor',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Transaction',
            name='buy_currency',
            field=fields.CharField(null=True, max_length=3),
        ),
    ]
