"""Indexes a wallet's transaction page is read through, newest first, on PostgreSQL: (from_wallet_id, id) and
(to_wallet_id, id).

`Wallet.transactions(first: 10)` (and `wallets { transactions }` for a page of wallets) ranked every transaction
the wallets ever had to keep each one's newest ten: 29 ms for 100 wallets of a 9,000-transaction bench database,
growing with the history (issue 18 part 6, the read path). With these indexes PostgreSQL reads each wallet's page
from the index, backwards, LIMIT the page (services.pagination.lateral_page_ids): 4.5 ms on the same database,
whatever the history. The (…, created_at) indexes stay: the AML activity view counts by time.
"""

from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0035_customer_contact_sealed')]

    initial = False

    operations = [
        ops.RunSQL("CREATE INDEX IF NOT EXISTS idx_ledger_transaction_from_wallet_page"
                   " ON ledger_transaction (from_wallet_id, id)",
                   "DROP INDEX IF EXISTS idx_ledger_transaction_from_wallet_page"),
        ops.RunSQL("CREATE INDEX IF NOT EXISTS idx_ledger_transaction_to_wallet_page"
                   " ON ledger_transaction (to_wallet_id, id)",
                   "DROP INDEX IF EXISTS idx_ledger_transaction_to_wallet_page"),
    ]
