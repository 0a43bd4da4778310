"""Delegated customer tokens and token revocation."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from auth.auth_methods import AUTH_METHODS
from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import Authenticated, requires_partner, staff_needs
from schema.common.relay import global_id_to_uuid, to_global_id
from schema.common.scopes import Scope, chosen_scopes, typed_scopes
from schema.customers.types import Customer
from services import delegated_tokens


@strawberry.enum(description="A way the partner's app authenticated its customer (an SCA factor and its category).")
class CustomerAuthMethod(Enum):
    PASSWORD = strawberry.enum_value("PASSWORD", description="A password (knowledge factor). Token `amr`: pwd.")
    PIN = strawberry.enum_value("PIN", description="A PIN (knowledge factor). Token `amr`: pin.")
    BIOMETRIC = strawberry.enum_value(
        "BIOMETRIC", description="Fingerprint, face or another biometric check (inherence factor). Token `amr`: bio."
    )
    DEVICE_BOUND = strawberry.enum_value(
        "DEVICE_BOUND",
        description="A credential bound to the customer's registered device, e.g. a key in its secure hardware"
        " (possession factor). Token `amr`: hwk.",
    )


assert {m.value for m in CustomerAuthMethod} == set(AUTH_METHODS)


@strawberry.input(description="How and when your app authenticated the customer just before you mint the token.")
class CustomerAuthenticationInput:
    methods: list[CustomerAuthMethod] = strawberry.field(
        description="Every method the customer passed, at least one, none twice. Two of different categories"
        " (knowledge: PASSWORD/PIN, possession: DEVICE_BOUND, inherence: BIOMETRIC) make two factors."
    )
    authenticated_at: datetime = strawberry.field(
        description="When the customer was authenticated (UTC). Not in the future (60 s of clock skew allowed)"
        " and not older than the token's ttlSeconds."
    )


@strawberry.type(description="How and when the partner said it authenticated the customer; what the token carries.")
class CustomerAuthentication:
    methods: list[CustomerAuthMethod] = strawberry.field(description="The methods, sorted.")
    authenticated_at: datetime = strawberry.field(description="When, to the second (UTC); the token's `auth_time`.")


@strawberry.input(
    description="Which customer the token acts for, with which scopes, for how long, and how you authenticated the"
    " customer."
)
class CustomerTokenCreateInput:
    customer_id: strawberry.ID = strawberry.field(
        description="The global ID of one of your customers (NOT_FOUND otherwise)."
    )
    scopes: list[str] | None = strawberry.field(
        default=None,
        description="A subset of your own token's scopes, at least one, from customers:read, customers:write,"
        " wallets:read, wallets:write, transactions:read, transactions:write, fees:read and kyc:read (VALIDATION"
        " otherwise).", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum.",
    )
    granted_scopes: list[Scope] | None = strawberry.field(
        default=None,
        description="The token's scopes: a subset of your own token's, at least one, from CUSTOMERS_READ,"
        " CUSTOMERS_WRITE, WALLETS_READ, WALLETS_WRITE, TRANSACTIONS_READ, TRANSACTIONS_WRITE, FEES_READ and KYC_READ"
        " (VALIDATION otherwise). Give this or the deprecated scopes.",
    )
    ttl_seconds: int | None = strawberry.field(
        default=None, description="The token's lifetime in seconds: 60 to 900 (VALIDATION otherwise); default 300."
    )
    authentication: CustomerAuthenticationInput | None = strawberry.field(
        default=None,
        description="How and when you authenticated the customer. Payments that the customer's policy pack says"
        " need strong authentication (two factors or a biometric within a few minutes, above an amount) are refused"
        " with STEP_UP_REQUIRED unless the token carries it. Omitted: no factor is recorded.",
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A BUSINESS customer's member (a BusinessMember global ID, ACTIVE, of this customer; NOT_FOUND"
        " otherwise): the token acts as that member, with its role (claims member_id and member_role). What it may"
        " do is the member's current role's (README, Businesses); once the member is removed the token acts for"
        " nobody. Omitted: the customer's own token.",
    )


@strawberry.type(description="The minted customer token, shown only here, or why none was minted.")
class CustomerTokenCreatePayload:
    token: str | None = strawberry.field(description="A bearer token for your frontend, limited to this customer.")
    expires_at: datetime | None = strawberry.field(
        description="When the token expires (UTC): ttlSeconds after minting; null when refused."
    )
    scopes: list[str] | None = strawberry.field(
        description="The scopes the token carries, sorted; null when refused.", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum."
    )
    granted_scopes: list[Scope] | None = strawberry.field(
        description="The scopes the token carries, sorted; null when refused."
    )
    customer: Customer | None = strawberry.field(description="The customer the token acts for; null when refused.")
    authentication: CustomerAuthentication | None = strawberry.field(
        description="The authentication the token carries (null: none was given)."
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="The business member the token acts as (a BusinessMember global ID); null: none."
    )
    member_role: str | None = strawberry.field(
        default=None, description="That member's role when the token was minted: OWNER, ADMIN, ACCOUNTANT or VIEWER."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no token was minted; empty on success. NOT_FOUND (customerId) or VALIDATION (scopes,"
        " ttlSeconds, authentication)."
    )


@strawberry.input(description="Which token to revoke: the token itself, or (bank staff only) its token id.")
class TokenRevokeInput:
    token: str | None = strawberry.field(
        default=None,
        description="The token to revoke, as issued. A partner may revoke any of its own tokens and the customer tokens"
        " it minted, a customer token only its own customer's, bank staff any; NOT_FOUND if invalid, expired or not"
        " yours.",
    )
    jti: str | None = strawberry.field(
        default=None,
        description="Bank staff only: the token id (its jti claim, at most 64 characters) to revoke without the token.",
    )


@strawberry.type(description="The revoked token's id, or why nothing was revoked.")
class TokenRevokePayload:
    jti: str | None = strawberry.field(
        description="The revoked token's id (its jti claim); the token is refused from then on. Null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was revoked; empty on success. NOT_FOUND (the token is invalid, expired or not yours)"
        " or VALIDATION (no token given, or a jti from a non-staff caller or over 64 characters)."
    )


@strawberry.type
class TokenMutations:
    @strawberry.mutation(
        permission_classes=requires_partner("customers:write"),
        description="Mint a short-lived token for a partner frontend: it sees and moves only this customer's wallets."
        " Say how and when you authenticated the customer (authentication) so that it may make payments that need"
        " strong customer authentication. Needs the partner's own token with customers:write.",
    )
    async def customer_token_create(
        self, info: Info,
        input: Annotated[CustomerTokenCreateInput, strawberry.argument(
            description="The customer, scopes, lifetime and authentication of the token."
        )],
    ) -> CustomerTokenCreatePayload:
        auth = input.authentication

        async def mint() -> delegated_tokens.CustomerToken:
            scopes = chosen_scopes(input.granted_scopes, input.scopes, field="grantedScopes") or []
            return await delegated_tokens.create_customer_token(
                principal=info.context.principal, tokens=info.context.tokens,
                customer_id=global_id_to_uuid(input.customer_id, "Customer"),
                scopes=scopes, ttl_s=input.ttl_seconds,
                auth_methods=[m.value for m in auth.methods] if auth else None,
                authenticated_at=auth.authenticated_at if auth else None,
                member_id=global_id_to_uuid(input.member_id, "BusinessMember") if input.member_id else None,
                member_given=input.member_id is not None,
            )

        minted, errors = await attempt(info, mint())
        if minted is None:
            return CustomerTokenCreatePayload(
                token=None, expires_at=None, scopes=None, granted_scopes=None, customer=None, authentication=None,
                user_errors=errors,
            )
        shown = minted.authentication
        return CustomerTokenCreatePayload(
            token=minted.token, expires_at=minted.expires_at, scopes=minted.scopes, granted_scopes=typed_scopes(minted.scopes),
            customer=Customer.from_record(minted.customer),
            authentication=CustomerAuthentication(
                methods=[CustomerAuthMethod(m) for m in shown.methods], authenticated_at=shown.authenticated_at
            ) if shown else None,
            member_id=to_global_id("BusinessMember", minted.member_id) if minted.member_id else None,
            member_role=minted.member_role,
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[Authenticated, staff_needs("partners:write")],
        description="Revoke one access token before it expires. Any partner or customer token may revoke its own"
        " tokens (see token); bank staff need partners:write (admin).",
    )
    async def token_revoke(
        self, info: Info,
        input: Annotated[TokenRevokeInput, strawberry.argument(description="The token, or for staff its jti.")],
    ) -> TokenRevokePayload:
        revoked, errors = await attempt(
            info,
            delegated_tokens.revoke_token(
                principal=info.context.principal, tokens=info.context.tokens, token=input.token, jti=input.jti
            ),
        )
        return TokenRevokePayload(jti=revoked.jti if revoked else None, user_errors=errors)
