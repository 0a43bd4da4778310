"""The unique indexes that ForeignKeyField(unique=True) promised and the earlier migrations did not create.

payment, refund, rail_transfer and international_transfer each belong to exactly one
ledger transaction (models say unique=True), but the CreateModel operations of 0013,
0019 and 0022 made transaction_id a plain foreign key: nothing in the database stopped
a second row for one transaction, and every lookup by transaction (the reports' payment
of a transaction, a refund's transaction) read the whole table. Found by the reporting
benchmark (issue 17): the top-merchants report spent 1.5 s scanning payment for a
ten-minute tail of the ledger.
"""

from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

TABLES = ("payment", "refund", "rail_transfer", "international_transfer")


class Migration(SparingMigration):
    dependencies = [('models', '0031_report_partial_day')]

    initial = False

    operations = [
        ops.RunSQL(f"CREATE UNIQUE INDEX IF NOT EXISTS uid_{table}_transaction ON {table} (transaction_id)",
                   f"DROP INDEX IF EXISTS uid_{table}_transaction")
        for table in TABLES
    ]
