"""Points without a hot row (issue 15): a programme's POINTS_RESERVE account, each customer's funded_minor, and
where a redemption's value came from (services.points.reserve).

Every programme created before this gets its POINTS_RESERVE account here, empty: its customers' points are
unfunded (funded_minor 0) and are spent as before, by a TRANSFER from the funding wallet, until new earnings fund.
"""

from tortoise import fields
from tortoise.migrations import operations as ops
from models.migration_base import SparingMigration

from models.enums import AccountKind, TransactionKind

# One reserve account per older programme, matched back to it by a temporary system_key (unique, at most 40
# characters: "points-reserve:" and 24 characters of the programme's id would not be; its 32 hex digits without
# dashes plus "PR:" are 35). The key is cleared once the programme names its account.
CREATE_RESERVES = (
    "INSERT INTO account (kind, currency, partner_id, tracks_balance, system_key, balance_minor, held_minor, created_at)"
    " SELECT 'POINTS_RESERVE', value_currency, partner_id, FALSE, 'PR:' || REPLACE(CAST(id AS TEXT), '-', ''), 0, 0,"
    " CURRENT_TIMESTAMP FROM points_program WHERE reserve_account_id IS NULL"
)
LINK_RESERVES = (
    "UPDATE points_program SET reserve_account_id = (SELECT a.id FROM account a"
    " WHERE a.system_key = 'PR:' || REPLACE(CAST(points_program.id AS TEXT), '-', ''))"
    " WHERE reserve_account_id IS NULL"
)
CLEAR_KEYS = "UPDATE account SET system_key = NULL WHERE kind = 'POINTS_RESERVE' AND system_key LIKE 'PR:%'"

ACCOUNT_KINDS = 'WALLET: WALLET\nSETTLEMENT: SETTLEMENT\nFEE_REVENUE: FEE_REVENUE\nPARTNER_REVENUE: PARTNER_REVENUE\nFX: FX\nSUSPENSE: SUSPENSE\nSANDBOX: SANDBOX\nFX_POSITION: FX_POSITION\nFX_REVENUE: FX_REVENUE\nPOINTS_ISSUANCE: POINTS_ISSUANCE\nPOINTS: POINTS\nPOINTS_REDEEMED: POINTS_REDEEMED\nPOINTS_EXPIRED: POINTS_EXPIRED\nCOUPON_BUDGET: COUPON_BUDGET\nPOINTS_RESERVE: POINTS_RESERVE'
TRANSACTION_KINDS = 'TOP_UP: TOP_UP\nTRANSFER: TRANSFER\nWITHDRAWAL: WITHDRAWAL\nSWEEP: SWEEP\nSANDBOX_FUND: SANDBOX_FUND\nPAYMENT: PAYMENT\nREFUND: REFUND\nREVERSAL: REVERSAL\nRAIL_RETURN: RAIL_RETURN\nFX_CONVERSION: FX_CONVERSION\nPOINTS_EARN: POINTS_EARN\nPOINTS_CLAWBACK: POINTS_CLAWBACK\nPOINTS_REDEEM: POINTS_REDEEM\nPOINTS_EXPIRY: POINTS_EXPIRY\nPOINTS_RETURN: POINTS_RETURN\nCOUPON_FUNDING: COUPON_FUNDING\nPOINTS_FUNDING: POINTS_FUNDING\nPOINTS_RELEASE: POINTS_RELEASE'


class Migration(SparingMigration):
    dependencies = [('models', '0037_coupon_used_index')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Account',
            name='kind',
            field=fields.CharEnumField(description=ACCOUNT_KINDS, enum_type=AccountKind, max_length=24),
        ),
        ops.AlterField(
            model_name='Transaction',
            name='kind',
            field=fields.CharEnumField(description=TRANSACTION_KINDS, enum_type=TransactionKind, max_length=24),
        ),
        ops.AddField(model_name='PointsAccount', name='funded_minor', field=fields.BigIntField(default=0, db_default=0)),
        ops.AddField(model_name='PointsProgram', name='reserve_account_id', field=fields.BigIntField(null=True)),
        ops.AddField(model_name='PointsRedemption', name='reserve_minor', field=fields.BigIntField(default=0, db_default=0)),
        ops.RunSQL(CREATE_RESERVES, "DELETE FROM account WHERE kind = 'POINTS_RESERVE'"),
        ops.RunSQL(LINK_RESERVES, "UPDATE points_program SET reserve_account_id = NULL"),
        ops.RunSQL(CLEAR_KEYS, "SELECT 1"),
    ]
