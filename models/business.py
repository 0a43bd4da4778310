"""Businesses with several users (issue 16 parts 5 and 6): members with roles, the approval policy and payout requests."""

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class BusinessMember(Model):
    """One person acting for a BUSINESS customer, with a role (services.business.member_permissions says what it may do)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="business_members", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="business_members", on_delete=fields.RESTRICT)
    name = fields.CharField(max_length=200)
    role = fields.CharField(max_length=16)  # OWNER, ADMIN, ACCOUNTANT or VIEWER
    status = fields.CharField(max_length=16, default="ACTIVE")  # ACTIVE or REMOVED (the row stays for history)
    created_at = fields.DatetimeField()
    removed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "business_member"
        indexes = (("partner_id", "customer_id", "id"),)


class BusinessApprovalPolicy(Model):
    """A business's maker-checker threshold in one currency: payouts above it need a second member's approval."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="business_approval_policies",
                                     on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="business_approval_policies",
                                      on_delete=fields.RESTRICT)
    currency = fields.CharField(max_length=3)
    threshold_minor = fields.BigIntField()  # minor units of currency
    updated_at = fields.DatetimeField()

    class Meta:
        table = "business_approval_policy"
        unique_together = (("customer_id", "currency"),)


class PayoutRequest(Model):
    """A payout above the threshold waiting for a checker: its funds are held until approved, rejected or expired."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="payout_requests", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="payout_requests", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=16)  # TRANSFER or WITHDRAWAL
    from_wallet_id = fields.UUIDField()
    to_wallet_id = fields.UUIDField(null=True)  # TRANSFER only
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    memo = fields.CharField(max_length=280, null=True)  # as a transaction's memo (services.ledger.request)
    status = fields.CharField(max_length=16, default="PENDING")  # PENDING, APPROVED, REJECTED or EXPIRED
    maker_member_id = fields.UUIDField()
    checker_member_id = fields.UUIDField(null=True)
    # The HELD transaction that reserves the funds while it waits (the one hold lifecycle, services.ledger.held):
    # POSTED when approved, REJECTED when rejected or expired.
    transaction_id = fields.UUIDField(unique=True)
    reason = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payout_request"
        indexes = (("status", "expires_at"), ("partner_id", "customer_id", "id"))
