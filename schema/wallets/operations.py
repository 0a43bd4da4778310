"""Wallet queries and mutations: parse input, call one service, map errors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires, requires_partner
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.wallets.types import Wallet
from services import wallets as wallet_service
from services.errors import NotFound
from services.money import OFFERED_CURRENCIES


@strawberry.input(description="walletOpen: whose wallet, in which currency.")
class WalletOpenInput:
    customer_id: strawberry.ID = strawberry.field(
        description="The ACTIVE customer who will own the wallet (a Customer ID of your partner; else NOT_FOUND)."
    )
    currency: str = strawberry.field(
        description="ISO 4217 code (case-insensitive) of a currency the bank offers wallets in: "
        + ", ".join(sorted(OFFERED_CURRENCIES)) + "; any other is UNSUPPORTED_CURRENCY."
    )


@strawberry.type(description="The result of walletOpen.")
class WalletOpenPayload:
    wallet: Wallet | None = strawberry.field(
        description="The new wallet: ACTIVE, with a zero balance; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why no wallet was opened (empty on success).")


@strawberry.type
class WalletQueries:
    @strawberry.field(
        permission_classes=requires("wallets:read"),
        description="One wallet by its ID. Needs wallets:read (a customer token reads only its own wallets); an"
        " unknown ID or another partner's wallet answers null with a NOT_FOUND error.",
    )
    async def wallet(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The wallet's global ID (Wallet.id).")],
    ) -> Wallet | None:
        model = await wallet_service.get_wallet(principal=info.context.principal, wallet_id=global_id_to_uuid(id, "Wallet"))
        return Wallet.from_record(model)

    @strawberry.field(
        permission_classes=requires("wallets:read"),
        description="Your partner's wallets (a customer token: its own; staff: every partner's), oldest first, at most"
        " 100 a page. Needs wallets:read.",
    )
    async def wallets(
        self, info: Info, first: FirstArg = None, after: AfterArg = None, last: LastArg = None, before: BeforeArg = None,
        customer_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this customer's wallets (a Customer ID); another partner's customer is NOT_FOUND.")] = None,
    ) -> Connection[Wallet]:
        customer_uuid = None
        if customer_id is not None:
            customer_uuid = global_id_to_uuid(customer_id, "Customer")
            if customer_uuid is None:
                raise NotFound("customer not found", field=["customerId"])
        page = await wallet_service.list_wallets(
            principal=info.context.principal, first=first, after=after, last=last, before=before, customer_id=customer_uuid
        )
        return Connection.from_page(page, Wallet.from_record)


@strawberry.type
class WalletMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("wallets:write"),
        description="Open a wallet for one of your customers in an offered currency. The partner's own token with"
        " wallets:write; userErrors: NOT_FOUND (customerId), UNSUPPORTED_CURRENCY, INVALID_STATE (customer CLOSED).",
    )
    async def wallet_open(
        self, info: Info,
        input: Annotated[WalletOpenInput, strawberry.argument(description="Whose wallet, in which currency.")],
    ) -> WalletOpenPayload:
        model, errors = await attempt(
            info,
            wallet_service.open_wallet(
                principal=info.context.principal,
                customer_id=global_id_to_uuid(input.customer_id, "Customer"),
                currency=input.currency,
            )
        )
        return WalletOpenPayload(wallet=Wallet.from_record(model) if model else None, user_errors=errors)
