"""Tortoise ORM models: storage only, no business rules."""

from models.audit import AuditChainHead, AuditEvent
from models.customer import Customer
from models.fee_rule import FeeRule
from models.idempotency import IdempotencyRecord
from models.ledger import Account, Entry, Transaction, Wallet
from models.partner import ApiClient, Partner
from models.revoked_token import RevokedToken
from models.signing_key import SigningKey
from models.staff import StaffUser

__all__ = [
    "Account",
    "AuditChainHead",
    "AuditEvent",
    "ApiClient",
    "Customer",
    "Entry",
    "FeeRule",
    "IdempotencyRecord",
    "Partner",
    "RevokedToken",
    "SigningKey",
    "StaffUser",
    "Transaction",
    "Wallet",
]
