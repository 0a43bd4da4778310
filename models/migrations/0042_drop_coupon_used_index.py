"""Drop idx_coupon_used_by_customer (migration 0037): no request reads through it any more.

It served the count of a payer's used coupons of a campaign that every coupon payment made while locking; since
migration 0039 each (campaign, customer) pair's coupon_use row holds that count, claimed by the payment's posting
(services.coupons.reserving). Every redemption and every restore still wrote an entry into the index (the coupon's
status changes, so the update is never HOT). `ledger verify`'s coupon_use checks read the coupons they count through
the (campaign_id, customer_id) index, which stays.
"""

from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0041_payment_partner_keys')]

    initial = False

    operations = [
        ops.RunSQL("DROP INDEX IF EXISTS idx_coupon_used_by_customer",
                   "CREATE INDEX IF NOT EXISTS idx_coupon_used_by_customer ON coupon (campaign_id, customer_id)"
                   " WHERE status IN ('REDEEMED', 'FORFEITED')"),
    ]
