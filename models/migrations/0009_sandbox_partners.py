"""Sandbox partners: Partner.environment (LIVE, the default for every existing partner, or SANDBOX),
the SANDBOX account kind (a sandbox partner's test money) and the SANDBOX_FUND transaction kind (sandboxFund)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import AccountKind, PartnerEnvironment, TransactionKind
from tortoise import fields


class AlterEnumDescription(ops.AlterField):
    """A CharEnumField whose enum gained a value: only its description (the value list) changes.

    As in 0008_account_management: PostgreSQL updates the column comment;
    SQLite would rebuild the whole table to change a comment (and lose its
    indexes on the way), so there the change is recorded in the migration
    state only. The column, its length and its data are untouched on both.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor is not None and state_editor.client.capabilities.dialect == "postgres":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0008_account_management')]

    initial = False

    operations = [
        AlterEnumDescription(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description='WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX', enum_type=AccountKind, max_length=24),
        ),
        ops.AddField(
            model_name='Partner',
            name='environment',
            field=fields.CharEnumField(default=PartnerEnvironment.LIVE, description='LIVE: LIVE\nSANDBOX: SANDBOX', db_default='LIVE', enum_type=PartnerEnvironment, max_length=16),
        ),
        AlterEnumDescription(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description='TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND', enum_type=TransactionKind, max_length=24),
        ),
    ]
