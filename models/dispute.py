"""Disputes (issue 16 part 3): a support ticket about a payment becomes a dispute the merchant's partner answers
and bank staff decide; a decision for the customer is a refund posted through the payments refund service."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class DisputeReason(str, Enum):
    NOT_RECEIVED = "NOT_RECEIVED"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    DUPLICATE = "DUPLICATE"
    WRONG_AMOUNT = "WRONG_AMOUNT"
    UNAUTHORIZED = "UNAUTHORIZED"
    CANCELLED = "CANCELLED"


class DisputeStatus(str, Enum):
    AWAITING_MERCHANT = "AWAITING_MERCHANT"  # the merchant's partner may respond until respond_by
    UNDER_REVIEW = "UNDER_REVIEW"  # the merchant responded: support staff decide
    DECIDING = "DECIDING"  # decided for the customer, its refund being posted
    DECIDED = "DECIDED"


class DisputeOutcome(str, Enum):
    FOR_CUSTOMER = "FOR_CUSTOMER"
    FOR_MERCHANT = "FOR_MERCHANT"


class Dispute(Model):
    """A payer's dispute of a payment: one per ticket, the amount still refundable when it was opened."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    ticket = fields.OneToOneField("models.SupportTicket", related_name="dispute", on_delete=fields.RESTRICT)
    payment = fields.ForeignKeyField("models.Payment", related_name="disputes", on_delete=fields.RESTRICT)
    partner = fields.ForeignKeyField("models.Partner", related_name="disputes", on_delete=fields.RESTRICT)  # payer's
    merchant_partner = fields.ForeignKeyField("models.Partner", related_name="merchant_disputes",
                                              on_delete=fields.RESTRICT)
    reason_code = fields.CharField(max_length=24)  # DisputeReason
    status = fields.CharField(max_length=24, default=DisputeStatus.AWAITING_MERCHANT.value)  # DisputeStatus
    amount_minor = fields.BigIntField()  # what remained refundable on the payment when the dispute was opened
    currency = fields.CharField(max_length=3)
    respond_by = fields.DatetimeField()
    evidence = fields.TextField(null=True)  # the merchant's answer, masked
    responded_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=16, null=True)  # DisputeOutcome
    decided_by = fields.CharField(max_length=128, null=True)  # the staff user id
    decided_at = fields.DatetimeField(null=True)
    refund = fields.ForeignKeyField("models.Refund", related_name="disputes", null=True, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "dispute"
        indexes = (("merchant_partner_id", "status"), ("partner_id", "status"))
