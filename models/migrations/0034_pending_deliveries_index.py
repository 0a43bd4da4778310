"""A partial index of the webhook deliveries still to send, in the order the dispatcher claims them.

The claim (services.webhooks.dispatcher.claim_due) asks for the earliest due PENDING deliveries. On the
(status, next_attempt_at) index every status change leaves churn behind, and with statistics a fast-growing table
outruns, PostgreSQL read every pending row to sort them: 320 ms a claim at 84,000 pending deliveries in the soak
(issue 19 item 13), so delivery fell further behind the more there was to deliver. This index holds only pending
rows, already in claim order.
"""

from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration


class Migration(SparingMigration):
    dependencies = [('models', '0033_audit_checkpoint')]

    initial = False

    operations = [
        ops.RunSQL("CREATE INDEX IF NOT EXISTS idx_webhook_delivery_pending ON webhook_delivery (next_attempt_at)"
                   " WHERE status = 'PENDING'", "DROP INDEX IF EXISTS idx_webhook_delivery_pending"),
    ]
