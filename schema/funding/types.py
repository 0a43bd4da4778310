"""GraphQL types of linked bank accounts and cards: masked, never a full number."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.common.errors import UserError
from schema.common.relay import Node, to_global_id
from services.funding.records import BankAccountRecord, CardRecord


@strawberry.enum(description="Where a linked bank account is in its life.")
class BankAccountStatus(Enum):
    PENDING_VERIFICATION = strawberry.enum_value(
        "PENDING_VERIFICATION", description="Waits for the customer to confirm the two micro-deposit amounts.")
    NEEDS_REVIEW = strawberry.enum_value(
        "NEEDS_REVIEW", description="The holder name did not match the customer: bank staff approve or reject it.")
    VERIFIED = strawberry.enum_value("VERIFIED", description="Verified: usable for top-ups and withdrawals.")
    LOCKED = strawberry.enum_value("LOCKED", description="Three wrong micro-deposit answers: remove it and link again.")
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected by bank staff or by the instant check.")
    REMOVED = strawberry.enum_value("REMOVED", description="Unlinked (bankAccountRemove).")


@strawberry.enum(description="How a linked bank account is verified.")
class BankAccountVerificationMethod(Enum):
    MICRO_DEPOSITS = strawberry.enum_value(
        "MICRO_DEPOSITS", description="Two amounts of 0.01 to 0.99 are sent; the customer confirms them.")
    INSTANT = strawberry.enum_value("INSTANT", description="The rail confirms the account at once.")


@strawberry.enum(description="A bank staff decision on a NEEDS_REVIEW bank account.")
class BankAccountReviewDecision(Enum):
    APPROVE = strawberry.enum_value("APPROVE", description="The holder is the customer: verification starts.")
    REJECT = strawberry.enum_value("REJECT", description="The holder is not the customer: the account is REJECTED.")


@strawberry.enum(description="Whether a linked card can be used.")
class CardStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="Usable for top-ups.")
    REMOVED = strawberry.enum_value("REMOVED", description="Unlinked (cardRemove).")


@strawberry.enum(description="A card brand, from the card number's BIN.")
class CardBrand(Enum):
    VISA = strawberry.enum_value("VISA", description="Visa (BIN 4).")
    MASTERCARD = strawberry.enum_value("MASTERCARD", description="Mastercard (BIN 51-55, 2221-2720).")
    AMEX = strawberry.enum_value("AMEX", description="American Express (BIN 34, 37).")
    UNIONPAY = strawberry.enum_value("UNIONPAY", description="UnionPay (BIN 62).")
    JCB = strawberry.enum_value("JCB", description="JCB (BIN 3528-3589).")


@strawberry.type(description="A customer's linked bank account: the source of top-ups and target of withdrawals once"
                 " VERIFIED. The number is shown masked only. Visible to its partner, the customer's own token, and"
                 " bank staff.")
class BankAccount(Node):
    customer_id: strawberry.ID = strawberry.field(description="The customer (a Customer global ID).")
    country: str = strawberry.field(description="The bank's country, ISO 3166-1 alpha-2.")
    currency: str = strawberry.field(description="The account's currency (ISO 4217).")
    bank_code: str | None = strawberry.field(description="The BIC, CNAPS code or ABA routing number, if known.")
    masked_number: str = strawberry.field(description="The IBAN or account number, masked: `•••• 1234`.")
    holder_name: str = strawberry.field(description="The account holder's name as given.")
    name_match_score: float = strawberry.field(
        description="How well the holder name matches the customer's KYC legal name (or display name), 0 to 1.")
    status: BankAccountStatus = strawberry.field(description="Where the account is in its life.")
    verification_method: BankAccountVerificationMethod = strawberry.field(description="How it is verified.")
    status_reason: str | None = strawberry.field(description="The reviewer's reason, or why it was rejected.")
    verified_at: datetime | None = strawberry.field(description="When it was verified; null until then.")
    created_at: datetime = strawberry.field(description="When it was linked.")

    @classmethod
    def from_record(cls, record: BankAccountRecord) -> BankAccount:
        return cls(
            id=to_global_id("BankAccount", record.id), customer_id=to_global_id("Customer", record.customer_id),
            country=record.country, currency=record.currency, bank_code=record.bank_code,
            masked_number=record.masked_number, holder_name=record.holder_name,
            name_match_score=record.name_match_score, status=BankAccountStatus(record.status),
            verification_method=BankAccountVerificationMethod(record.verification_method),
            status_reason=record.status_reason, verified_at=record.verified_at, created_at=record.created_at,
        )


@strawberry.type(description="A customer's linked card: only the processor's token is kept, shown by brand and last"
                 " four digits. Visible to its partner, the customer's own token, and bank staff.")
class Card(Node):
    customer_id: strawberry.ID = strawberry.field(description="The customer (a Customer global ID).")
    brand: CardBrand = strawberry.field(description="The card brand.")
    last_four: str = strawberry.field(description="The card number's last four digits.")
    expiry_month: int = strawberry.field(description="Expiry month, 1 to 12.")
    expiry_year: int = strawberry.field(description="Expiry year, four digits.")
    holder_name: str = strawberry.field(description="The cardholder's name as given.")
    status: CardStatus = strawberry.field(description="ACTIVE or REMOVED.")
    created_at: datetime = strawberry.field(description="When it was linked.")

    @classmethod
    def from_record(cls, record: CardRecord) -> Card:
        return cls(
            id=to_global_id("Card", record.id), customer_id=to_global_id("Customer", record.customer_id),
            brand=CardBrand(record.brand), last_four=record.last_four, expiry_month=record.expiry_month,
            expiry_year=record.expiry_year, holder_name=record.holder_name, status=CardStatus(record.status),
            created_at=record.created_at,
        )


@strawberry.type(description="A linked, verified, reviewed or removed bank account, or why not.")
class BankAccountPayload:
    bank_account: BankAccount | None = strawberry.field(description="The bank account; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")


@strawberry.type(description="A linked or removed card, or why not.")
class CardPayload:
    card: Card | None = strawberry.field(description="The card; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was changed (empty on success).")
