"""AML monitoring: alerts raised by rules, the cases compliance groups them into, and case notes."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class AmlAlert(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="aml_alerts", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="aml_alerts", on_delete=fields.RESTRICT)
    wallet = fields.ForeignKeyField("models.Wallet", related_name="aml_alerts", null=True, on_delete=fields.RESTRICT)
    transaction = fields.ForeignKeyField(
        "models.Transaction", related_name="aml_alerts", null=True, on_delete=fields.RESTRICT
    )
    case = fields.ForeignKeyField("models.AmlCase", related_name="alerts", null=True, on_delete=fields.RESTRICT)
    rule = fields.CharField(max_length=32)
    severity = fields.CharField(max_length=8)  # LOW, MEDIUM, HIGH
    action = fields.CharField(max_length=8)  # ALERT, HOLD
    status = fields.CharField(max_length=16, default="OPEN")  # OPEN, RELEASED, REJECTED, DISMISSED
    details = fields.JSONField(default=dict)
    resolved_by = fields.CharField(max_length=64, null=True)
    resolution_reason = fields.CharField(max_length=1000, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "aml_alert"
        indexes = (("status", "severity", "created_at"), ("partner_id", "created_at"), ("transaction_id",))


class AmlCase(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="aml_cases", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="aml_cases", on_delete=fields.RESTRICT)
    title = fields.CharField(max_length=200)
    status = fields.CharField(max_length=16, default="OPEN")  # OPEN, CLOSED
    assignee_id = fields.CharField(max_length=64, null=True)
    opened_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "aml_case"
        indexes = (("status", "created_at"),)


class AmlCaseNote(Model):
    id = fields.BigIntField(primary_key=True)
    case = fields.ForeignKeyField("models.AmlCase", related_name="notes", on_delete=fields.RESTRICT)
    author_id = fields.CharField(max_length=64)
    text = fields.CharField(max_length=4000)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "aml_case_note"
        indexes = (("case_id", "id"),)
