"""Support tickets' closed sets as GraphQL enums (values as stored, models.support)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What a support ticket is about.")
class SupportTicketCategory(Enum):
    PAYMENT = strawberry.enum_value("PAYMENT", description="A payment to a merchant (disputable: disputeOpen).")
    TRANSFER = strawberry.enum_value("TRANSFER", description="A transfer between wallets.")
    TOP_UP = strawberry.enum_value("TOP_UP", description="Adding money to a wallet.")
    WITHDRAWAL = strawberry.enum_value("WITHDRAWAL", description="Taking money out to a bank account or card.")
    ACCOUNT = strawberry.enum_value("ACCOUNT", description="The customer's profile, wallets, limits or access.")
    KYC = strawberry.enum_value("KYC", description="Identity verification.")
    FEES = strawberry.enum_value("FEES", description="A fee charged or quoted.")
    FRAUD = strawberry.enum_value("FRAUD", description="Suspected fraud or a lost phone: opens at HIGH priority.")
    OTHER = strawberry.enum_value("OTHER", description="Anything else.")


@strawberry.enum(description="How the customer reached support.")
class SupportChannel(Enum):
    IN_APP_CHAT = strawberry.enum_value("IN_APP_CHAT", description="The chat in the partner's app.")
    PHONE = strawberry.enum_value("PHONE", description="A phone call (logged by the partner or the bank's desk).")
    EMAIL = strawberry.enum_value("EMAIL", description="An e-mail to the partner or the bank.")


@strawberry.enum(description="How urgent a ticket is; it sets both SLA clocks (README: Support tickets).")
class SupportTicketPriority(Enum):
    LOW = strawberry.enum_value("LOW", description="First response within 24 hours, resolution within 7 days.")
    NORMAL = strawberry.enum_value("NORMAL", description="First response within 8 hours, resolution within 3 days.")
    HIGH = strawberry.enum_value("HIGH", description="First response within 4 hours, resolution within 24 hours.")
    URGENT = strawberry.enum_value("URGENT", description="First response within 1 hour, resolution within 8 hours.")


@strawberry.enum(description="Where a support ticket stands.")
class SupportTicketStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="The bank's desk is to act (new, or the customer replied).")
    WAITING_ON_CUSTOMER = strawberry.enum_value(
        "WAITING_ON_CUSTOMER", description="Bank staff replied and wait for the customer's side."
    )
    RESOLVED = strawberry.enum_value(
        "RESOLVED", description="Solved; a reply from the customer's side reopens it (OPEN)."
    )
    CLOSED = strawberry.enum_value("CLOSED", description="Closed for good: replies are refused (TICKET_CLOSED).")


@strawberry.enum(description="Who wrote a message of a ticket's thread.")
class SupportMessageAuthor(Enum):
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="The customer, through its own (customer) token.")
    PARTNER = strawberry.enum_value("PARTNER", description="The customer's partner, with its own token.")
    STAFF = strawberry.enum_value("STAFF", description="Bank support staff.")
