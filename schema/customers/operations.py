"""Customer queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import Connection, global_id_to_uuid
from schema.customers.types import Customer, CustomerKind
from services import customers as customer_service


@strawberry.input
class CustomerCreateInput:
    external_ref: str = strawberry.field(description="The partner's own id for this customer (unique per partner).")
    kind: CustomerKind
    display_name: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country of residence, e.g. CN.")
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +8613800138000.")


@strawberry.type
class CustomerCreatePayload:
    customer: Customer | None
    user_errors: list[UserError]


@strawberry.type
class CustomerQueries:
    @strawberry.field(permission_classes=requires("customers:read"))
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        model = await customer_service.get_customer(
            principal=info.context.principal, customer_id=global_id_to_uuid(id, "Customer")
        )
        return Customer.from_record(model)

    @strawberry.field(permission_classes=requires("customers:read"), description="Oldest first, at most 100 a page.")
    async def customers(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Customer]:
        page = await customer_service.list_customers(principal=info.context.principal, first=first, after=after)
        return Connection.from_page(page, Customer.from_record)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(permission_classes=requires_partner("customers:write"))
    async def customer_create(self, info: Info, input: CustomerCreateInput) -> CustomerCreatePayload:
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
