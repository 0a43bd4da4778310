from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import PartnerStrongAuthMode
from tortoise import fields
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0005_compliance_counters')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CompliancePolicy',
            name='strong_authentication',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Partner',
            name='strong_auth_mode',
            field=fields.CharEnumField(default=PartnerStrongAuthMode.EXEMPT, description='EXEMPT: EXEMPT\nREQUIRE_CUSTOMER_TOKEN: REQUIRE_CUSTOMER_TOKEN', db_default='EXEMPT', enum_type=PartnerStrongAuthMode, max_length=32),
        ),
    ]
