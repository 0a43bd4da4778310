"""Reversals (issue 13): ledger_transaction.reversed_by (the REVERSAL that undid a transaction, set once in the
reversal's own write) and the REVERSAL transaction kind."""

from tortoise.migrations import operations as ops
from models.migration_ops import AlterEnumDescription
from models.enums import TransactionKind
from tortoise import fields
from models.migration_base import SparingMigration


class Migration(SparingMigration):
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

