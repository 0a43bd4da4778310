"""Wallet queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import Connection, global_id_to_uuid
from schema.wallets.types import Wallet
from services import wallets as wallet_service
from services.errors import NotFound


@strawberry.input
class WalletOpenInput:
    customer_id: strawberry.ID
    currency: str = strawberry.field(description="ISO 4217 code, e.g. CNY, USD, JPY, KWD.")


@strawberry.type
class WalletOpenPayload:
    wallet: Wallet | None
    user_errors: list[UserError]


@strawberry.type
class WalletQueries:
    @strawberry.field(permission_classes=requires("wallets:read"))
    async def wallet(self, info: Info, id: strawberry.ID) -> Wallet | None:
        model = await wallet_service.get_wallet(principal=info.context.principal, wallet_id=global_id_to_uuid(id, "Wallet"))
        return Wallet.from_record(model)

    @strawberry.field(permission_classes=requires("wallets:read"), description="Oldest first, at most 100 a page.")
    async def wallets(
        self, info: Info, first: int | None = 20, after: str | None = None, customer_id: strawberry.ID | None = None
    ) -> Connection[Wallet]:
        customer_uuid = None
        if customer_id is not None:
            customer_uuid = global_id_to_uuid(customer_id, "Customer")
            if customer_uuid is None:
                raise NotFound("customer not found", field=["customerId"])
        page = await wallet_service.list_wallets(
            principal=info.context.principal, first=first, after=after, customer_id=customer_uuid
        )
        return Connection.from_page(page, Wallet.from_record)


@strawberry.type
class WalletMutations:
    @strawberry.mutation(permission_classes=requires_partner("wallets:write"))
    async def wallet_open(self, info: Info, input: WalletOpenInput) -> WalletOpenPayload:
        model, errors = await attempt(
            info,
            wallet_service.open_wallet(
                principal=info.context.principal,
                customer_id=global_id_to_uuid(input.customer_id, "Customer"),
                currency=input.currency,
            )
        )
        return WalletOpenPayload(wallet=Wallet.from_record(model) if model else None, user_errors=errors)
