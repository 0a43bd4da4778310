"""A payment's partner keys are checked against its wallet and its merchant (PostgreSQL).

payment.partner_id is the payer's partner and payment.merchant_partner_id the merchant's: each partner lists and
reads payments by its own key, so a key that disagreed with the payment's wallet or merchant would show the payment
to the wrong partner. Until now each key was only checked to name some partner. Two composite foreign keys now
check them against the rows they copy: (payer_wallet_id, partner_id) to wallet (id, partner_id) and (merchant_id,
merchant_partner_id) to merchant (id, partner_id), each backed by a unique index. They replace the four
single-column keys they cover (the wallet's and the merchant's rows still must exist, and so, through them, the
partners): more is checked, with two lookups fewer per payment.

SQLite keeps the single-column keys (its tables are rebuilt to change a key; it serves one process).
"""

from models.migration_base import SparingMigration
from models.migration_ops import PostgresOnlySQL

COMPOSITE_KEYS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS wallet_id_partner_id_key ON wallet (id, partner_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS merchant_id_partner_id_key ON merchant (id, partner_id)",
    "ALTER TABLE payment ADD CONSTRAINT payment_payer_wallet_partner_fkey FOREIGN KEY (payer_wallet_id, partner_id)"
    " REFERENCES wallet (id, partner_id) ON DELETE RESTRICT",
    "ALTER TABLE payment ADD CONSTRAINT payment_merchant_partner_fkey FOREIGN KEY (merchant_id, merchant_partner_id)"
    " REFERENCES merchant (id, partner_id) ON DELETE RESTRICT",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_partner_id_fkey",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_payer_wallet_id_fkey",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_merchant_partner_id_fkey",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_merchant_id_fkey",
]
SINGLE_KEYS = [
    "ALTER TABLE payment ADD CONSTRAINT payment_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES partner (id)"
    " ON DELETE RESTRICT",
    "ALTER TABLE payment ADD CONSTRAINT payment_payer_wallet_id_fkey FOREIGN KEY (payer_wallet_id) REFERENCES wallet (id)"
    " ON DELETE RESTRICT",
    "ALTER TABLE payment ADD CONSTRAINT payment_merchant_partner_id_fkey FOREIGN KEY (merchant_partner_id)"
    " REFERENCES partner (id) ON DELETE RESTRICT",
    "ALTER TABLE payment ADD CONSTRAINT payment_merchant_id_fkey FOREIGN KEY (merchant_id) REFERENCES merchant (id)"
    " ON DELETE RESTRICT",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_payer_wallet_partner_fkey",
    "ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_merchant_partner_fkey",
    "DROP INDEX IF EXISTS wallet_id_partner_id_key",
    "DROP INDEX IF EXISTS merchant_id_partner_id_key",
]


class Migration(SparingMigration):
    dependencies = [('models', '0040_deferred_settlement')]

    initial = False

    operations = [
        PostgresOnlySQL(COMPOSITE_KEYS, SINGLE_KEYS),
    ]
