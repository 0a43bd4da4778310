"""Customer queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.enums import KycStatus
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.customers.types import Customer, CustomerKind
from services import customers as customer_service


@strawberry.input(description="customerCreate: who the new customer is.")
class CustomerCreateInput:
    external_ref: str = strawberry.field(
        description="The partner's own id for this customer, 1 to 128 characters without control characters, unique"
        " per partner (ALREADY_EXISTS when taken)."
    )
    kind: CustomerKind = strawberry.field(
        description="INDIVIDUAL (a person) or BUSINESS (a small business); it cannot be changed later."
    )
    display_name: str = strawberry.field(
        description="The customer's name, 1 to 200 characters without control characters; screened against the"
        " watchlists."
    )
    country: str = strawberry.field(
        description="Country of residence, an ISO 3166-1 alpha-2 code such as CN (case-insensitive); it picks the"
        " regional policy pack and cannot be changed later."
    )
    email: str | None = strawberry.field(
        default=None,
        description="An e-mail address (name@domain.tld, at most 254 characters), stored in lower case; optional.",
    )
    phone: str | None = strawberry.field(
        default=None,
        description="E.164: + and 7 to 15 digits, e.g. +8613800138000 (spaces, dashes and brackets are dropped);"
        " optional.",
    )


@strawberry.type(description="The result of customerCreate.")
class CustomerCreatePayload:
    customer: Customer | None = strawberry.field(
        description="The new customer (ACTIVE, kycStatus NONE, kycTier 0); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing was created (empty on success).")


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="One customer by its ID. Needs customers:read (a customer token reads only itself); an unknown ID"
        " or another partner's customer answers null with a NOT_FOUND error.",
    )
    async def customer(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's global ID (Customer.id).")],
    ) -> Customer | None:
        model = await customer_service.get_customer(
            principal=info.context.principal, customer_id=global_id_to_uuid(id, "Customer")
        )
        return Customer.from_record(model)

    @strawberry.field(
        permission_classes=requires("customers:read"),
        description="The partner's customers, oldest first (a stable order), at most 100 a page; filters combine"
        " with AND.",
    )
    async def customers(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
        external_ref: Annotated[str | None, strawberry.argument(
            description="Only the customer with this externalRef (the partner's own id, matched exactly)."
        )] = None,
        kyc_status: Annotated[KycStatus | None, strawberry.argument(
            description="Only customers in this KYC status."
        )] = None,
        kind: Annotated[CustomerKind | None, strawberry.argument(description="Only customers of this kind.")] = None,
    ) -> Connection[Customer]:
        page = await customer_service.list_customers(
            principal=info.context.principal, first=first, after=after, last=last, before=before,
            external_ref=external_ref, kyc_status=kyc_status, kind=kind,
        )
        return Connection.from_page(page, Customer.from_record)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("customers:write"),
        description="Onboard a customer; its name is screened against the watchlists, and a hit holds its money"
        " (COMPLIANCE_HOLD) until the bank decides. The partner's own token with customers:write; userErrors:"
        " VALIDATION, ALREADY_EXISTS (externalRef taken, also on a retry: find it with customers(externalRef:)).",
    )
    async def customer_create(
        self, info: Info,
        input: Annotated[CustomerCreateInput, strawberry.argument(description="Who the new customer is.")],
    ) -> CustomerCreatePayload:
        model, errors = await attempt(
            info,
            customer_service.create_customer(
                principal=info.context.principal,
                external_ref=input.external_ref,
                kind=input.kind.value,
                display_name=input.display_name,
                email=input.email,
                phone=input.phone,
                country=input.country,
            )
        )
        return CustomerCreatePayload(customer=Customer.from_record(model) if model else None, user_errors=errors)
