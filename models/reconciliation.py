"""Settlement files from the rails and the reconciliation exceptions they raise (storage only)."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class SettlementFile(Model):
    # One imported settlement file, by the SHA-256 of its bytes: the same content imported again is found
    # here and changes nothing. counts: how many lines were applied, already known, and each exception kind.
    id = fields.UUIDField(primary_key=True, default=uuid7)
    rail = fields.CharField(max_length=32)
    sha256 = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    lines = fields.IntField()  # data lines (the header not counted)
    counts = fields.JSONField()
    imported_at = fields.DatetimeField()

    class Meta:
        table = "settlement_file"
        unique_together = (("rail", "sha256"),)


class ReconciliationException(Model):
    # A line of a settlement file (or a transfer missing from one) that does not agree with our books, for
    # staff to look into. kind: AMOUNT_MISMATCH, UNKNOWN_REFERENCE, STATUS_CONFLICT, MISSING_FROM_FILE or
    # MALFORMED_LINE. Amounts are integer minor units (expected: ours, actual: the file's).
    id = fields.UUIDField(primary_key=True, default=uuid7)
    rail = fields.CharField(max_length=32)
    kind = fields.CharField(max_length=24)
    reference = fields.CharField(max_length=255, null=True)  # the rail's reference (null on a malformed line)
    rail_transfer_id = fields.UUIDField(null=True)  # our transfer, when the reference matched one
    settlement_file = fields.ForeignKeyField("models.SettlementFile", related_name="exceptions", null=True,
                                             on_delete=fields.RESTRICT)
    line_number = fields.IntField(null=True)  # 1 is the header: data lines start at 2
    line_text = fields.TextField(null=True)
    expected_minor = fields.BigIntField(null=True)
    actual_minor = fields.BigIntField(null=True)
    currency = fields.CharField(max_length=3, null=True)  # ours (AMOUNT_MISMATCH: of expected_minor)
    actual_currency = fields.CharField(max_length=3, null=True)  # the file's
    our_status = fields.CharField(max_length=20, null=True)
    file_status = fields.CharField(max_length=16, null=True)
    detail = fields.CharField(max_length=500)
    status = fields.CharField(max_length=8, default="OPEN")  # OPEN or RESOLVED
    # "<rail>|<kind>|<reference or line digest>" while OPEN, NULL once resolved: the unique index keeps one
    # OPEN exception per (rail, kind, reference), so a file imported again (or a corrected one repeating
    # lines) raises nothing twice; a resolved one frees the key for a new occurrence.
    open_key = fields.CharField(max_length=400, null=True, unique=True)
    resolution_reason = fields.CharField(max_length=1000, null=True)
    resolved_by = fields.CharField(max_length=128, null=True)
    resolved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reconciliation_exception"
        indexes = (("status", "rail", "id"), ("rail", "id"))
