"""Coupons in the payment's own statement (issue 15): coupon_use, one row per (campaign, customer) counting the
customer's coupons of the campaign that count against its per-customer limit (REDEEMED or FORFEITED).

A coupon payment claims that row (`used < limit`, raised by one), the coupon (ISSUED, made REDEEMED) and the
campaign's budget row in its posting statement (services.coupons.reserving): no explicit transaction, no lock held
across round trips. Counting the coupons themselves could not be a claim: on PostgreSQL a count re-read after a
lock wait still sees the statement's snapshot, so two payments could both pass the limit.

Every pair that already has coupons gets its row here, counted from the coupons; its id is the pair's first coupon's
id (a UUID no other row of the table has, with no UUID function needed in SQL). New pairs get theirs when the first
coupon is issued (services.coupons.uses).
"""

from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

from models.ids import uuid7

_COUNTED = "SUM(CASE WHEN status IN ('REDEEMED', 'FORFEITED') THEN 1 ELSE 0 END)"
BACKFILL_POSTGRES = (
    "INSERT INTO coupon_use (id, campaign_id, customer_id, used)"
    f" SELECT (array_agg(id ORDER BY id))[1], campaign_id, customer_id, {_COUNTED}"
    " FROM coupon GROUP BY campaign_id, customer_id"
)
BACKFILL_SQLITE = (  # ids are text on SQLite: MIN is the first
    "INSERT INTO coupon_use (id, campaign_id, customer_id, used)"
    f" SELECT MIN(id), campaign_id, customer_id, {_COUNTED} FROM coupon GROUP BY campaign_id, customer_id"
)


async def _backfill(apps, schema_editor) -> None:  # noqa: ANN001 - Tortoise's migration state and schema editor
    """One row per (campaign, customer) that holds coupons, counted from them."""
    client = schema_editor.client
    await client.execute_query(BACKFILL_POSTGRES if client.capabilities.dialect == "postgres" else BACKFILL_SQLITE)


async def _unfill(apps, schema_editor) -> None:  # noqa: ANN001
    """Going back drops the table anyway: nothing to undo here."""


class Migration(SparingMigration):
    dependencies = [('models', '0038_points_reserve')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CouponUse',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.CouponCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='uses', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='coupon_uses', on_delete=OnDelete.RESTRICT)),
                ('used', fields.IntField(default=0)),
            ],
            options={'table': 'coupon_use', 'app': 'models', 'unique_together': (('campaign', 'customer'),), 'pk_attr': 'id', 'table_description': "How many of one customer's coupons of one campaign count against its per-customer limit (REDEEMED or"},
            bases=['Model'],
        ),
        ops.RunPython(_backfill, _unfill),
    ]
