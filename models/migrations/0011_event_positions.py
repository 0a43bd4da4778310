"""Outbox positions (issue 12): domain_event.tx, the writing transaction's id (set by a PostgreSQL trigger
on every insert), indexes in (tx, id) order, and outbox_cursor, how far the webhook fan-out has got.

Readers of the outbox now go by (tx, id) below the horizon of finished transactions
(services.outbox_position) instead of marking each row delivered: one cursor row
instead of one UPDATE per event, and no event can commit behind a cursor already
handed out. Existing events keep tx = 0 (they are all older than any running
transaction); the fan-out's cursor starts after the last event the old dispatcher
had marked delivered, so nothing is sent twice.
"""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration
from models.migration_ops import PostgresOnlySQL


# Every insert, whatever its path (the posting statement's CTE, the ORM), gets its transaction's id:
# the position must not depend on each writer remembering to set it.
TX_TRIGGER = [
    "CREATE OR REPLACE FUNCTION domain_event_set_tx() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN NEW.tx := pg_current_xact_id()::text::bigint; RETURN NEW; END $$",
    "CREATE TRIGGER domain_event_set_tx BEFORE INSERT ON domain_event"
    " FOR EACH ROW EXECUTE FUNCTION domain_event_set_tx()",
]
DROP_TX_TRIGGER = [
    "DROP TRIGGER IF EXISTS domain_event_set_tx ON domain_event",
    "DROP FUNCTION IF EXISTS domain_event_set_tx()",
]
START_CURSOR = (
    "INSERT INTO outbox_cursor (name, tx, event_id, updated_at)"
    " SELECT 'webhooks', 0, COALESCE(MAX(id), 0), CURRENT_TIMESTAMP FROM domain_event WHERE delivered_at IS NOT NULL"
)


class Migration(SparingMigration):
    dependencies = [('models', '0010_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxCursor',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('tx', fields.BigIntField(default=0)),
                ('event_id', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'outbox_cursor', 'app': 'models', 'pk_attr': 'name', 'table_description': 'How far a reader of the outbox has got: every event at or before (tx, event_id) is handled.'},
            bases=['Model'],
        ),
        ops.RemoveIndex(model_name='DomainEvent', name=None, fields=['partner_id', 'id']),
        ops.RemoveIndex(model_name='DomainEvent', name=None, fields=['delivered_at', 'id']),
        ops.AddField(model_name='DomainEvent', name='tx', field=fields.BigIntField(default=0)),
        ops.AddIndex(model_name='DomainEvent', index=Index(fields=['partner_id', 'tx', 'id'])),
        ops.AddIndex(model_name='DomainEvent', index=Index(fields=['tx', 'id'])),
        PostgresOnlySQL(TX_TRIGGER, DROP_TX_TRIGGER),
        ops.RunSQL(START_CURSOR, "DELETE FROM outbox_cursor WHERE name = 'webhooks'"),
    ]
