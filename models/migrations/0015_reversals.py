"""Reversals (issue 13): ledger_transaction.reversed_by (the REVERSAL that undid a transaction, set once in the
reversal's own write) and the REVERSAL transaction kind."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import TransactionKind
from tortoise import fields


class AlterEnumDescription(ops.AlterField):
    """TransactionKind gained REVERSAL: only the column comment (the value list) changes.

    As in 0009_sandbox_partners: PostgreSQL updates the comment; SQLite would
    rebuild the table to change a comment, so there only the migration state
    records it. The column, its length and its data are untouched.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0014_payment_codes')]

    initial = False

    operations = [
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL', enum_type=TransactionKind, max_length=24),
        ),
        ops.AddField(
            model_name='Transaction',
            name='reversed_by',
            field=fields.UUIDField(null=True),
        ),
    ]

