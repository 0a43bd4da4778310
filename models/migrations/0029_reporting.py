"""Placeholder for issue 17's reporting rollups (owned by the reporting helper)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('models', '0028_bulk_payouts')]

    initial = False

    operations: list = []
