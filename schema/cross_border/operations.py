"""Beneficiary and international transfer queries and mutations: thin resolvers over services/beneficiaries and
services/cross_border."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from schema.common.audit_actor import audit_note
from schema.common.context import Info
from schema.common.errors import attempt
from schema.common.permissions import partner_scope_or_staff, requires
from schema.common.relay import AfterArg, Connection, FirstArg, global_id_to_uuid
from schema.cross_border.types import (
    Beneficiary, BeneficiaryPayload, BeneficiaryReviewDecision, InternationalTransfer, InternationalTransferPayload,
)
from schema.ledger.types import Transaction
from services.beneficiaries import creating, queries, review
from services.cross_border import queries as transfer_queries
from services.cross_border import transfers
from services.fx.pricing import format_rate

READ = partner_scope_or_staff("customers:read", "customers:read")
WRITE = requires("customers:write")
ChangeArg = strawberry.argument(description="The fields of this change.")


@strawberry.input(description="beneficiaryCreate: a person or company at a foreign bank. IBAN countries: iban; other"
                  " countries: accountNumber (4-34 letters or digits). bic is always required (a bank in country).")
class BeneficiaryCreateInput:
    customer_id: strawberry.ID = strawberry.field(description="Your customer (a Customer ID), or the token's own.")
    name: str = strawberry.field(description="The beneficiary's name (screened against the watchlists).")
    country: str = strawberry.field(description="The country of the beneficiary's bank, ISO 3166-1 alpha-2.")
    bic: str = strawberry.field(description="The SWIFT BIC of the beneficiary's bank (8 or 11 characters).")
    address: str = strawberry.field(description="The beneficiary's postal address (kept sealed for the travel rule).")
    iban: str | None = strawberry.field(default=None, description="The IBAN (IBAN countries).")
    account_number: str | None = strawberry.field(default=None, description="The account number (other countries).")
    currency: str | None = strawberry.field(default=None, description="What the beneficiary is paid in (ISO 4217);"
                                            " default the country's own.")


@strawberry.input(description="beneficiaryReview: bank staff's decision on a NEEDS_REVIEW beneficiary.")
class BeneficiaryReviewInput:
    beneficiary_id: strawberry.ID = strawberry.field(description="The beneficiary (a Beneficiary ID).")
    decision: BeneficiaryReviewDecision = strawberry.field(description="APPROVE or REJECT.")
    reason: str = strawberry.field(description="Why, 3 to 500 characters, kept in the audit log.")


@strawberry.input(description="beneficiaryDelete: which beneficiary to delete.")
class BeneficiaryDeleteInput:
    beneficiary_id: strawberry.ID = strawberry.field(description="The beneficiary (a Beneficiary ID).")


@strawberry.input(description="internationalTransferCreate: pay a beneficiary abroad at an FX quote (fxQuote selling"
                  " the wallet's currency for the beneficiary's).")
class InternationalTransferCreateInput:
    from_wallet_id: strawberry.ID = strawberry.field(description="The paying wallet (a Wallet ID).")
    beneficiary_id: strawberry.ID = strawberry.field(description="The wallet customer's ACTIVE beneficiary.")
    quote_id: strawberry.ID = strawberry.field(description="The FxQuote (fxQuote): its sell amount is what is sent.")
    idempotency_key: str = strawberry.field(
        description="Your unique key for this transfer (at most 255 characters): a retry with the same key and input"
        " answers the original; the same key with other input is IDEMPOTENCY_CONFLICT.")
    purpose_code: str | None = strawberry.field(
        default=None, description="The declared purpose (SAL, FAM, EDU, TRA, MED, GDS, SVC by default); required"
        " where the sender's policy pack says so (VALIDATION otherwise).")
    dry_run: bool = strawberry.field(
        default=False, description="true: check everything and answer the transaction it would post (fee and rate"
        " first), writing nothing: the quote and the key stay unused. Default false.")


def _payload(record: Any, errors: list) -> BeneficiaryPayload:
    """A beneficiary mutation's payload: the beneficiary, or why nothing changed."""
    return BeneficiaryPayload(beneficiary=Beneficiary.from_record(record) if record else None, user_errors=errors)


@strawberry.type
class CrossBorderQueries:
    @strawberry.field(permission_classes=READ, description="One beneficiary: its partner's, its customer's own"
                      " token's, or bank staff's (customers:read); else NOT_FOUND.")
    async def beneficiary(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The beneficiary's global ID.")],
    ) -> Beneficiary | None:
        return Beneficiary.from_record(await queries.get_beneficiary(
            principal=info.context.principal, beneficiary_id=global_id_to_uuid(id, "Beneficiary")))

    @strawberry.field(permission_classes=READ, description="A customer's beneficiaries (not deleted), oldest first.")
    async def beneficiaries(
        self, info: Info,
        customer_id: Annotated[strawberry.ID, strawberry.argument(description="The customer (a Customer global ID;"
                                                                  " another partner's: NOT_FOUND).")],
        first: FirstArg = None, after: AfterArg = None,
    ) -> Connection[Beneficiary]:
        page = await queries.list_beneficiaries(principal=info.context.principal, first=first, after=after,
                                                customer_id=global_id_to_uuid(customer_id, "Customer"))
        return Connection.from_page(page, Beneficiary.from_record)

    @strawberry.field(permission_classes=partner_scope_or_staff("transactions:read", "transactions:read"),
                      description="One international transfer: its partner's, its customer's own token's, or bank"
                      " staff's (transactions:read); else NOT_FOUND.")
    async def international_transfer(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The international transfer's global ID.")],
    ) -> InternationalTransfer | None:
        return InternationalTransfer.from_record(await transfer_queries.get_international_transfer(
            principal=info.context.principal, transfer_id=global_id_to_uuid(id, "InternationalTransfer")))


@strawberry.type
class CrossBorderMutations:
    @strawberry.mutation(permission_classes=WRITE, description="Add a customer's beneficiary at a foreign bank"
                         " (customers:write): checked (IBAN, BIC), sealed, screened against the watchlists (a hit:"
                         " NEEDS_REVIEW). userErrors: VALIDATION, INVALID_BANK_ACCOUNT, UNSUPPORTED_CURRENCY,"
                         " NOT_FOUND.")
    async def beneficiary_create(self, info: Info,
                                 input: Annotated[BeneficiaryCreateInput, ChangeArg]) -> BeneficiaryPayload:
        record, errors = await attempt(info, creating.create_beneficiary(
            principal=info.context.principal, customer_id=global_id_to_uuid(input.customer_id, "Customer"),
            name=input.name, country=input.country, bic=input.bic, iban=input.iban,
            account_number=input.account_number, address=input.address, currency=input.currency,
        ))
        return _payload(record, errors)

    @strawberry.mutation(permission_classes=requires("funding:review"), description="Bank staff (funding:review)"
                         " approve or reject a NEEDS_REVIEW beneficiary, audited. userErrors: INVALID_STATE,"
                         " VALIDATION, NOT_FOUND.")
    async def beneficiary_review(self, info: Info,
                                 input: Annotated[BeneficiaryReviewInput, ChangeArg]) -> BeneficiaryPayload:
        record, errors = await attempt(info, review.review_beneficiary(
            principal=info.context.principal, beneficiary_id=global_id_to_uuid(input.beneficiary_id, "Beneficiary"),
            decision=input.decision.value, reason=input.reason, audit=audit_note(info),
        ), detail=f"beneficiaryId={input.beneficiary_id}")
        return _payload(record, errors)

    @strawberry.mutation(permission_classes=WRITE, description="Delete a beneficiary: nothing more is paid to it."
                         " userErrors: INVALID_STATE, NOT_FOUND.")
    async def beneficiary_delete(self, info: Info,
                                 input: Annotated[BeneficiaryDeleteInput, ChangeArg]) -> BeneficiaryPayload:
        record, errors = await attempt(info, review.delete_beneficiary(
            principal=info.context.principal, beneficiary_id=global_id_to_uuid(input.beneficiary_id, "Beneficiary"),
        ), detail=f"beneficiaryId={input.beneficiary_id}")
        return _payload(record, errors)

    @strawberry.mutation(permission_classes=requires("transactions:write"), description="Pay a beneficiary abroad"
                         " at an FX quote (transactions:write): HELD while a cross-border rail carries it, the travel"
                         " rule's data recorded. Use dryRun first to show the fee and rate.")
    async def international_transfer_create(
        self, info: Info, input: Annotated[InternationalTransferCreateInput, ChangeArg],
    ) -> InternationalTransferPayload:
        record, errors = await attempt(info, transfers.create_international_transfer(
            principal=info.context.principal, from_wallet_id=global_id_to_uuid(input.from_wallet_id, "Wallet"),
            beneficiary_id=global_id_to_uuid(input.beneficiary_id, "Beneficiary"),
            quote_id=global_id_to_uuid(input.quote_id, "FxQuote"), purpose_code=input.purpose_code,
            idempotency_key=input.idempotency_key, dry_run=input.dry_run,
            audit=None if input.dry_run else audit_note(info),
        ), dry_run=input.dry_run)
        return InternationalTransferPayload(
            international_transfer=InternationalTransfer.from_record(record.transfer)
            if record and record.transfer else None,
            transaction=Transaction.from_record(record.transaction) if record else None,
            rate=format_rate(record.customer_rate_e9) if record else None, user_errors=errors,
        )
