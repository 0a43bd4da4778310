"""Sandbox partners: Partner.environment (LIVE, the default for every existing partner, or SANDBOX),
the SANDBOX account kind (a sandbox partner's test money) and the SANDBOX_FUND transaction kind (sandboxFund)."""

from tortoise.migrations import operations as ops
from models.migration_ops import AlterEnumDescription
from models.enums import AccountKind, PartnerEnvironment, TransactionKind
from tortoise import fields
from models.migration_base import SparingMigration


class Migration(SparingMigration):
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
