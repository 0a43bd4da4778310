"""Tortoise ORM models: storage only, no business rules."""

from models.customer import Customer
from models.idempotency import IdempotencyRecord
from models.ledger import Account, Entry, Transaction, Wallet
from models.partner import ApiClient, Partner
from models.signing_key import SigningKey

__all__ = [
    "Account",
    "ApiClient",
    "Customer",
    "Entry",
    "IdempotencyRecord",
    "Partner",
    "SigningKey",
    "Transaction",
    "Wallet",
]
