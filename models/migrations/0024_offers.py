"""Consents and personalised offers (issue 15 parts 5 and 6), and the indexes spending insights read through."""

from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

# spendingInsights reads a customer's payments by payer wallet and time: this index answers it from the index alone
# (index-only scan on PostgreSQL, covering index on SQLite), never touching the payment rows.
PAYMENT_INSIGHTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS idx_payment_insights ON payment"
    " (payer_wallet_id, created_at, merchant_id, currency, amount_minor, refunded_minor, transaction_id)"
)
# Payments whose money has not moved (HELD) or never will (REJECTED) are left out; they are rare, so a partial
# index of the transactions not POSTED keeps that anti-join small.
UNPOSTED_INDEX = "CREATE INDEX IF NOT EXISTS idx_ledger_transaction_unposted ON ledger_transaction (id) WHERE status <> 'POSTED'"


class Migration(SparingMigration):
    dependencies = [('models', '0023_coupons')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerConsent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='customer_consents', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=24)),
                ('granted', fields.BooleanField()),
                ('text_version', fields.CharField(max_length=64)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_by', fields.CharField(max_length=200)),
            ],
            options={'table': 'customer_consent', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'kind', 'recorded_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Offer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='offers', on_delete=OnDelete.RESTRICT)),
                ('issuer', fields.CharField(max_length=8)),
                ('title', fields.CharField(max_length=100)),
                ('description', fields.CharField(max_length=500)),
                ('product', fields.CharField(max_length=24)),
                ('coupon_campaign_ref', fields.CharField(null=True, max_length=128)),
                ('priority', fields.IntField(default=0)),
                ('status', fields.CharField(default='ACTIVE', max_length=16)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('max_impressions', fields.IntField(null=True)),
                ('cap_period_days', fields.IntField(null=True)),
                ('min_spend_minor', fields.BigIntField(null=True)),
                ('min_spend_currency', fields.CharField(null=True, max_length=3)),
                ('min_spend_mccs', fields.CharField(null=True, max_length=250)),
                ('min_spend_days', fields.IntField(null=True)),
                ('kyc_tier_min', fields.SmallIntField(null=True)),
                ('kyc_tier_max', fields.SmallIntField(null=True)),
                ('countries', fields.CharField(null=True, max_length=250)),
                ('no_card_linked', fields.BooleanField(default=False)),
                ('version', fields.IntField(default=1)),
                ('created_by', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'offer', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('offer', fields.ForeignKeyField('models.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='offer_events', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'offer_event', 'app': 'models', 'indexes': [Index(fields=['offer_id', 'customer_id', 'recorded_at']), Index(fields=['offer_id', 'kind'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferExposure',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('offer', fields.ForeignKeyField('models.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='exposures', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='offer_exposures', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'offer_exposure', 'app': 'models', 'unique_together': (('offer_id', 'customer_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerOfferSetting',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.OneToOneField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='offer_setting', on_delete=OnDelete.RESTRICT)),
                ('allow_bank_offers', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'partner_offer_setting', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunSQL(PAYMENT_INSIGHTS_INDEX, "DROP INDEX IF EXISTS idx_payment_insights"),
        ops.RunSQL(UNPOSTED_INDEX, "DROP INDEX IF EXISTS idx_ledger_transaction_unposted"),
    ]
