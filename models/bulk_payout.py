"""Bulk payouts (issue 16 part 7): a CSV batch of payouts from one wallet, validated line by line, executed once."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class BulkPayout(Model):
    """One uploaded batch: its paying wallet, mode, status, counts and the keys that make its execution happen once."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="bulk_payouts", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="bulk_payouts", on_delete=fields.RESTRICT)
    from_wallet = fields.ForeignKeyField("models.Wallet", related_name="bulk_payouts", on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    mode = fields.CharField(max_length=16)  # ALL_OR_NOTHING or PARTIAL
    # INVALID, AWAITING_APPROVAL, READY, EXECUTING, COMPLETED or COMPLETED_WITH_FAILURES
    status = fields.CharField(max_length=24)
    line_count = fields.IntField()
    valid_count = fields.IntField()
    invalid_count = fields.IntField()
    paid_count = fields.IntField(default=0)
    failed_count = fields.IntField(default=0)
    total_minor = fields.BigIntField()  # the sum of the valid lines, minor units of currency
    paid_minor = fields.BigIntField(default=0)
    idempotency_key = fields.CharField(max_length=255)  # bulkPayoutCreate's key
    request_hash = fields.CharField(max_length=64)
    execute_key = fields.CharField(max_length=255, null=True)  # the first bulkPayoutExecute's key
    maker_member_id = fields.UUIDField(null=True)  # the business member who uploaded it (member tokens)
    checker_member_id = fields.UUIDField(null=True)  # the member who approved it
    approved_at = fields.DatetimeField(null=True)
    # Only one execute runs the lines at a time: the runner holds this lease (renewed as it goes); correctness
    # does not depend on it (every line has its own idempotency key), it only avoids two runners doing one job.
    lease_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bulk_payout"
        unique_together = (("partner_id", "idempotency_key"),)
        indexes = (("partner_id", "customer_id", "id"),)


class BulkPayoutLine(Model):
    """One CSV line of a batch: what it asked, its validation error, and once executed its result and transaction."""

    id = fields.UUIDField(primary_key=True, default=uuid7)  # ordered like line_number within its batch
    bulk_payout = fields.ForeignKeyField("models.BulkPayout", related_name="lines", on_delete=fields.RESTRICT)
    line_number = fields.IntField()  # the physical line of the file (the header is line 1)
    raw_line = fields.CharField(max_length=1000)
    beneficiary_kind = fields.CharField(max_length=16, null=True)  # WALLET or BANK_ACCOUNT (null: not understood)
    beneficiary_id = fields.UUIDField(null=True)
    amount_minor = fields.BigIntField(null=True)
    reference = fields.CharField(max_length=140, null=True)
    status = fields.CharField(max_length=16)  # INVALID, PENDING, PAID or FAILED
    error_code = fields.CharField(max_length=48, null=True)
    error_message = fields.CharField(max_length=300, null=True)
    transaction_id = fields.UUIDField(null=True)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bulk_payout_line"
        unique_together = (("bulk_payout_id", "line_number"),)
