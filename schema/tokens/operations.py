"""Delegated customer tokens and token revocation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import Authenticated, requires_partner, staff_needs
from schema.common.relay import global_id_to_uuid
from schema.customers.types import Customer
from services import delegated_tokens


@strawberry.input
class CustomerTokenCreateInput:
    customer_id: strawberry.ID
    scopes: list[str] = strawberry.field(description="A subset of your own token's scopes.")
    ttl_seconds: int | None = strawberry.field(default=None, description="60 to 900; default 300.")


@strawberry.type
class CustomerTokenCreatePayload:
    token: str | None = strawberry.field(description="A bearer token for your frontend, limited to this customer.")
    expires_at: datetime | None
    scopes: list[str] | None
    customer: Customer | None
    user_errors: list[UserError]


@strawberry.input
class TokenRevokeInput:
    token: str | None = strawberry.field(default=None, description="The token to revoke (partners: one of your own).")
    jti: str | None = strawberry.field(default=None, description="Bank staff only: revoke by token id.")


@strawberry.type
class TokenRevokePayload:
    jti: str | None
    user_errors: list[UserError]


@strawberry.type
class TokenMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("customers:write"),
        description="Mint a short-lived token for a partner frontend: it sees and moves only this customer's wallets.",
    )
    async def customer_token_create(self, info: Info, input: CustomerTokenCreateInput) -> CustomerTokenCreatePayload:
        minted, errors = await attempt(
            info,
            delegated_tokens.create_customer_token(
                principal=info.context.principal, tokens=info.context.tokens,
                customer_id=global_id_to_uuid(input.customer_id, "Customer"),
                scopes=input.scopes, ttl_s=input.ttl_seconds,
            ),
        )
        if minted is None:
            return CustomerTokenCreatePayload(token=None, expires_at=None, scopes=None, customer=None, user_errors=errors)
        return CustomerTokenCreatePayload(
            token=minted.token, expires_at=minted.expires_at, scopes=minted.scopes,
            customer=Customer.from_record(minted.customer), user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[Authenticated, staff_needs("partners:write")],
        description="Revoke one access token before it expires.",
    )
    async def token_revoke(self, info: Info, input: TokenRevokeInput) -> TokenRevokePayload:
        jti, errors = await attempt(
            info,
            delegated_tokens.revoke_token(
                principal=info.context.principal, tokens=info.context.tokens, token=input.token, jti=input.jti
            ),
        )
        return TokenRevokePayload(jti=jti, user_errors=errors)
