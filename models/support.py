"""Support tickets (issue 16 part 2): a customer's ticket, its message thread and the staff's internal notes.

Subjects and message bodies are stored already masked (services.support.masking): an identity or card number a
customer types never reaches the database in clear.
"""

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class TicketCategory(str, Enum):
    PAYMENT = "PAYMENT"
    TRANSFER = "TRANSFER"
    TOP_UP = "TOP_UP"
    WITHDRAWAL = "WITHDRAWAL"
    ACCOUNT = "ACCOUNT"
    KYC = "KYC"
    FEES = "FEES"
    FRAUD = "FRAUD"
    OTHER = "OTHER"


class TicketChannel(str, Enum):
    IN_APP_CHAT = "IN_APP_CHAT"
    PHONE = "PHONE"
    EMAIL = "EMAIL"


class TicketPriority(str, Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TicketStatus(str, Enum):
    OPEN = "OPEN"
    WAITING_ON_CUSTOMER = "WAITING_ON_CUSTOMER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class MessageAuthor(str, Enum):
    CUSTOMER = "CUSTOMER"  # the customer's own token
    PARTNER = "PARTNER"  # the partner's token, for its customer
    STAFF = "STAFF"  # bank support staff


class SupportTicket(Model):
    """A customer's support ticket with its SLA clock (due times fixed at opening and on priority changes)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="support_tickets", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="support_tickets", on_delete=fields.RESTRICT)
    transaction = fields.ForeignKeyField("models.Transaction", related_name="support_tickets", null=True,
                                         on_delete=fields.RESTRICT)
    category = fields.CharField(max_length=16)  # TicketCategory
    channel = fields.CharField(max_length=16)  # TicketChannel
    subject = fields.CharField(max_length=200)  # masked
    priority = fields.CharField(max_length=8, default=TicketPriority.NORMAL.value)  # TicketPriority
    status = fields.CharField(max_length=24, default=TicketStatus.OPEN.value)  # TicketStatus
    assignee = fields.ForeignKeyField("models.StaffUser", related_name="support_tickets", null=True,
                                      on_delete=fields.RESTRICT)
    first_response_due_at = fields.DatetimeField()
    resolution_due_at = fields.DatetimeField()
    first_responded_at = fields.DatetimeField(null=True)  # the first staff reply (a note does not count)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # The support queue's order: the first response's due time until staff answer, then the resolution's;
    # NULL once RESOLVED or CLOSED (out of the queue).
    next_due_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "support_ticket"
        indexes = (("partner_id", "customer_id"), ("next_due_at", "id"))


class SupportMessage(Model):
    """One message of a ticket's thread, or (internal) a staff note the partner and customer never see."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    ticket = fields.ForeignKeyField("models.SupportTicket", related_name="messages", on_delete=fields.RESTRICT)
    author = fields.CharField(max_length=16)  # MessageAuthor
    author_ref = fields.CharField(max_length=128)  # the staff user id, or the partner's client id
    internal = fields.BooleanField(default=False)
    body = fields.TextField()  # masked
    created_at = fields.DatetimeField()

    class Meta:
        table = "support_message"
        indexes = (("ticket_id", "created_at"),)
