"""How much one customer has sent in one currency, per period: the row a posting locks to check limits."""

from tortoise import fields
from tortoise.models import Model


class LimitUsage(Model):
    id = fields.BigIntField(primary_key=True)
    customer = fields.ForeignKeyField("models.Customer", related_name="limit_usage", on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    # Period keys in the policy's timezone ("2026-11-28", "2026-11", "2026"):
    # a total counts only while its key is the current one.
    day_key = fields.CharField(max_length=10, default="")
    day_out_minor = fields.BigIntField(default=0)
    month_key = fields.CharField(max_length=7, default="")
    month_out_minor = fields.BigIntField(default=0)
    year_key = fields.CharField(max_length=4, default="")
    year_out_minor = fields.BigIntField(default=0)
    lifetime_out_minor = fields.BigIntField(default=0)
    # The VELOCITY rule's counter: outgoing postings since velocity_window_start
    # (a tumbling window of the rule's length), kept on this locked row so that
    # concurrent postings and a customer's several wallets all count.
    velocity_window_start = fields.DatetimeField(null=True)
    velocity_count = fields.IntField(default=0)

    class Meta:
        table = "limit_usage"
        unique_together = (("customer", "currency"),)
