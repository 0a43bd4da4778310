"""Linked bank account and card queries and mutations: thin resolvers over services/funding."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import attempt
from schema.common.permissions import partner_scope_or_staff, requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.common.scalars import Decimal
from schema.funding.types import (
    BankAccount, BankAccountPayload, BankAccountReviewDecision, BankAccountVerificationMethod, Card, CardPayload,
)
from services.funding import bank_linking, bank_verification, card_linking, queries

READ = partner_scope_or_staff("customers:read", "customers:read")
WRITE = requires("customers:write")
ChangeArg = strawberry.argument(description="The fields of this change.")
CustomerArg = strawberry.argument(description="The customer (a Customer global ID; another partner's: NOT_FOUND).")


@strawberry.input(description="bankAccountLink: a customer's bank account. IBAN countries: iban (bankCode optional BIC);"
                  " US: bankCode (ABA routing number) and accountNumber (4-17 digits); CN: bankCode (CNAPS, 12 digits)"
                  " and accountNumber (10-30 digits).")
class BankAccountLinkInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a Customer ID), or the token's own.")
    country: str = strawberry.field(description="The bank's country, ISO 3166-1 alpha-2 (others: UNSUPPORTED_COUNTRY).")
    holder_name: str = strawberry.field(description="The account holder's name, matched against the customer's.")
    bank_code: str | None = strawberry.field(default=None, description="BIC (IBAN countries, optional), ABA routing"
                                             " number (US) or CNAPS code (CN).")
    account_number: str | None = strawberry.field(default=None, description="The account number (US, CN).")
    iban: str | None = strawberry.field(default=None, description="The IBAN (IBAN countries).")
    currency: str | None = strawberry.field(default=None, description="The account's ISO 4217 currency; default the"
                                            " country's own.")
    method: BankAccountVerificationMethod = strawberry.field(
        default=BankAccountVerificationMethod.MICRO_DEPOSITS, description="How to verify it (default MICRO_DEPOSITS).")


@strawberry.input(description="bankAccountVerify: the two micro-deposit amounts the customer saw, in any order.")
class BankAccountVerifyInput:
    bank_account_id: strawberry.ID = strawberry.field(description="The bank account (a BankAccount ID).")
    amounts: list[Decimal] = strawberry.field(description="The two amounts, as decimal strings.")  # type: ignore[valid-type]


@strawberry.input(description="bankAccountReview: bank staff's decision on a NEEDS_REVIEW bank account.")
class BankAccountReviewInput:
    bank_account_id: strawberry.ID = strawberry.field(description="The bank account (a BankAccount ID).")
    decision: BankAccountReviewDecision = strawberry.field(description="APPROVE or REJECT.")
    reason: str = strawberry.field(description="Why, 3 to 500 characters, kept in the audit log.")


@strawberry.input(description="bankAccountRemove: which bank account to unlink.")
class BankAccountRemoveInput:
    bank_account_id: strawberry.ID = strawberry.field(description="The bank account (a BankAccount ID).")


@strawberry.input(description="cardLink: a customer's card. The number and CVV go to the card processor only: they"
                  " are never stored, logged or echoed.")
class CardLinkInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a Customer ID), or the token's own.")
    card_number: str = strawberry.field(description="The card number (12-19 digits, Luhn-valid).")
    expiry_month: int = strawberry.field(description="Expiry month, 1 to 12.")
    expiry_year: int = strawberry.field(description="Expiry year, four digits (not in the past).")
    holder_name: str = strawberry.field(description="The cardholder's name.")
    cvv: str | None = strawberry.field(default=None, description="The card security code (3 or 4 digits), optional.")


@strawberry.input(description="cardRemove: which card to unlink.")
class CardRemoveInput:
    card_id: strawberry.ID = strawberry.field(description="The card (a Card ID).")


def _account_id(value: strawberry.ID | None):  # noqa: ANN202 - a UUID or None (answered NOT_FOUND)
    return global_id_to_uuid(value, "BankAccount")


def _account_payload(record, errors) -> BankAccountPayload:  # noqa: ANN001
    return BankAccountPayload(bank_account=BankAccount.from_record(record) if record else None, user_errors=errors)


@strawberry.type
class FundingQueries:
    @strawberry.field(permission_classes=READ, description="One linked bank account (masked): its partner's, its"
                      " customer's own token's, or bank staff's (customers:read); else NOT_FOUND.")
    async def bank_account(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The bank account's global ID.")],
    ) -> BankAccount | None:
        return BankAccount.from_record(await queries.get_bank_account(
            principal=info.context.principal, bank_account_id=_account_id(id)))

    @strawberry.field(permission_classes=READ, description="A customer's linked bank accounts, oldest first.")
    async def bank_accounts(
        self, info: Info, customer_id: Annotated[strawberry.ID, CustomerArg], first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[BankAccount]:
        page = await queries.list_bank_accounts(principal=info.context.principal, first=first, after=after,
                                                customer_id=global_id_to_uuid(customer_id, "Customer"))
        return Connection.from_page(page, BankAccount.from_record)

    @strawberry.field(permission_classes=READ, description="One linked card: its partner's, its customer's own"
                      " token's, or bank staff's (customers:read); else NOT_FOUND.")
    async def card(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The card's global ID.")],
    ) -> Card | None:
        return Card.from_record(await queries.get_card(principal=info.context.principal,
                                                       card_id=global_id_to_uuid(id, "Card")))

    @strawberry.field(permission_classes=READ, description="A customer's linked cards, oldest first.")
    async def cards(
        self, info: Info, customer_id: Annotated[strawberry.ID, CustomerArg], first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Card]:
        page = await queries.list_cards(principal=info.context.principal, first=first, after=after,
                                        customer_id=global_id_to_uuid(customer_id, "Customer"))
        return Connection.from_page(page, Card.from_record)


@strawberry.type
class FundingMutations:
    @strawberry.mutation(permission_classes=WRITE, description="Link a customer's bank account (customers:write; the"
                         " partner's token or the customer's own). userErrors: VALIDATION, UNSUPPORTED_COUNTRY,"
                         " INVALID_BANK_ACCOUNT, ALREADY_LINKED, VERIFICATION_FAILED (instant), NOT_FOUND.")
    async def bank_account_link(self, info: Info, input: Annotated[BankAccountLinkInput, ChangeArg]) -> BankAccountPayload:
        record, errors = await attempt(info, bank_linking.link_bank_account(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            country=input.country, bank_code=input.bank_code, account_number=input.account_number, iban=input.iban,
            holder_name=input.holder_name, method=input.method.value, currency=input.currency,
        ))
        return _account_payload(record, errors)

    @strawberry.mutation(permission_classes=WRITE, description="Confirm the two micro-deposit amounts: VERIFIED when"
                         " right. userErrors: VERIFICATION_FAILED (tries left), VERIFICATION_LOCKED (third wrong"
                         " answer), INVALID_STATE, NOT_FOUND.")
    async def bank_account_verify(self, info: Info, input: Annotated[BankAccountVerifyInput, ChangeArg]) -> BankAccountPayload:
        record, errors = await attempt(info, bank_verification.verify_bank_account(
            principal=info.context.principal, bank_account_id=_account_id(input.bank_account_id), amounts=input.amounts,
        ), detail=f"bankAccountId={input.bank_account_id}")
        return _account_payload(record, errors)

    @strawberry.mutation(permission_classes=requires("funding:review"), description="Bank staff (funding:review:"
                         " compliance, admin) approve or reject a NEEDS_REVIEW bank account, audited. userErrors:"
                         " INVALID_STATE, VALIDATION, NOT_FOUND.")
    async def bank_account_review(self, info: Info, input: Annotated[BankAccountReviewInput, ChangeArg]) -> BankAccountPayload:
        record, errors = await attempt(info, bank_verification.review_bank_account(
            principal=info.context.principal, bank_account_id=_account_id(input.bank_account_id),
            decision=input.decision.value, reason=input.reason, audit=audit_note(info),
        ), detail=f"bankAccountId={input.bank_account_id}")
        return _account_payload(record, errors)

    @strawberry.mutation(permission_classes=WRITE, description="Unlink a bank account. userErrors: INVALID_STATE,"
                         " NOT_FOUND.")
    async def bank_account_remove(self, info: Info, input: Annotated[BankAccountRemoveInput, ChangeArg]) -> BankAccountPayload:
        record, errors = await attempt(info, bank_verification.remove_bank_account(
            principal=info.context.principal, bank_account_id=_account_id(input.bank_account_id),
        ), detail=f"bankAccountId={input.bank_account_id}")
        return _account_payload(record, errors)

    @strawberry.mutation(permission_classes=WRITE, description="Link a customer's card: checked, tokenised by the card"
                         " processor; only the token, brand, last four, expiry and holder are kept. userErrors:"
                         " INVALID_CARD, CARD_DECLINED, VALIDATION, NOT_FOUND.")
    async def card_link(self, info: Info, input: Annotated[CardLinkInput, ChangeArg]) -> CardPayload:
        record, errors = await attempt(info, card_linking.link_card(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            card_number=input.card_number, expiry_month=input.expiry_month, expiry_year=input.expiry_year,
            holder_name=input.holder_name, cvv=input.cvv,
        ))
        return CardPayload(card=Card.from_record(record) if record else None, user_errors=errors)

    @strawberry.mutation(permission_classes=WRITE, description="Unlink a card. userErrors: INVALID_STATE, NOT_FOUND.")
    async def card_remove(self, info: Info, input: Annotated[CardRemoveInput, ChangeArg]) -> CardPayload:
        record, errors = await attempt(info, card_linking.remove_card(
            principal=info.context.principal, card_id=global_id_to_uuid(input.card_id, "Card"),
        ), detail=f"cardId={input.card_id}")
        return CardPayload(card=Card.from_record(record) if record else None, user_errors=errors)
