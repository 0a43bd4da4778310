"""Linked funding sources of a customer: bank accounts and cards (issue 14), the money's way in and out (storage only)."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from models.ids import uuid7


class BankAccountStatus(str, Enum):
    PENDING_VERIFICATION = "PENDING_VERIFICATION"  # waits for the micro-deposit amounts (or an instant check)
    NEEDS_REVIEW = "NEEDS_REVIEW"  # the holder name did not match the customer: bank staff decide
    VERIFIED = "VERIFIED"  # usable by rails
    LOCKED = "LOCKED"  # three wrong micro-deposit answers
    REJECTED = "REJECTED"  # refused by bank staff, or the instant check failed
    REMOVED = "REMOVED"  # unlinked by the partner or customer


class CardStatus(str, Enum):
    ACTIVE = "ACTIVE"
    REMOVED = "REMOVED"


class BankAccount(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="bank_accounts", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="bank_accounts", on_delete=fields.RESTRICT)
    country = fields.CharField(max_length=2)  # ISO 3166-1 alpha-2 of the account's bank
    currency = fields.CharField(max_length=3)  # ISO 4217: what the micro-deposits (and later rails) use
    bank_code = fields.CharField(max_length=16, null=True)  # BIC, CNAPS or ABA routing number (not secret)
    # The IBAN or account number: AES-GCM ciphertext (services.pii), never plaintext.
    number_enc = fields.TextField()
    # HMAC-SHA256 of country and number under a key derived from the PII master key (services.funding.fingerprint):
    # finds the same account linked twice without decrypting.
    number_fingerprint = fields.CharField(max_length=64)
    last_four = fields.CharField(max_length=4)
    holder_name = fields.CharField(max_length=200)
    name_score_bps = fields.IntField()  # holder name vs the customer's name, 0..10000
    status = fields.CharEnumField(BankAccountStatus, max_length=24)
    verification_method = fields.CharField(max_length=16)  # MICRO_DEPOSITS or INSTANT
    micro_deposits = fields.JSONField(null=True)  # the two amounts in minor units (sent by the rail later)
    failed_attempts = fields.SmallIntField(default=0)
    status_reason = fields.CharField(max_length=500, null=True)  # the reviewer's reason, or why it was rejected
    reviewed_by = fields.CharField(max_length=64, null=True)
    # customer id + fingerprint while the link is live (not REJECTED or REMOVED), NULL after: the unique index makes
    # "one live link of an account per customer" a database fact.
    live_key = fields.CharField(max_length=101, null=True, unique=True)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "bank_account"
        indexes = (("partner_id", "customer_id"),)


class Card(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    partner = fields.ForeignKeyField("models.Partner", related_name="cards", on_delete=fields.RESTRICT)
    customer = fields.ForeignKeyField("models.Customer", related_name="cards", on_delete=fields.RESTRICT)
    # The card processor's opaque token: the card number itself is never stored (nor the CVV).
    processor_token = fields.CharField(max_length=128)
    brand = fields.CharField(max_length=16)
    last_four = fields.CharField(max_length=4)
    expiry_month = fields.SmallIntField()
    expiry_year = fields.SmallIntField()
    holder_name = fields.CharField(max_length=200)
    status = fields.CharEnumField(CardStatus, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "card"
        indexes = (("partner_id", "customer_id"),)
