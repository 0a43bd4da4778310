"""Staff operations on partners and API clients (bank admin writes, staff reads)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.common.context import Info
from schema.common.enums import PartnerEnvironment
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import AfterArg, BeforeArg, Connection, FirstArg, LastArg, global_id_to_uuid
from schema.common.scopes import Scope, chosen_scopes
from schema.partners.types import ApiClient, Partner
from services.enums import PartnerStatus as PartnerStatusValue
from services.partners import api_clients, onboarding, queries as partner_queries, status as partner_status
from services.partners.records import IssuedSecret, NewPartner


@strawberry.input(description="A new partner and its first API client.")
class PartnerCreateInput:
    name: str = strawberry.field(description="The partner's name, 1 to 200 characters after trimming.")
    scopes: list[str] | None = strawberry.field(
        default=None, description="Scopes of the first API client, from the partner scope list (README, Scopes); null"
        " grants all of them. An unknown scope is VALIDATION.", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum.",
    )
    granted_scopes: list[Scope] | None = strawberry.field(
        default=None, description="Scopes of the first API client (partner scopes only: a staff permission is"
        " VALIDATION); null grants all of them. Not together with the deprecated scopes.",
    )
    environment: PartnerEnvironment = strawberry.field(
        default=PartnerEnvironment.LIVE,  # type: ignore[attr-defined]
        description="LIVE (the default) or SANDBOX, fixed for good. A SANDBOX partner gets test credentials whose"
        " customers and money live apart from live data: sandboxFund mints test money into its wallets and magic KYC"
        " values decide its reviews at once (README, Sandbox).",
    )


@strawberry.input(description="Which partner, and why its status changes (kept in the audit log).")
class PartnerStatusInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner's global ID; an unknown one is NOT_FOUND.")
    reason: str = strawberry.field(description="Why, 1 to 500 characters without control characters (VALIDATION otherwise).")


@strawberry.input(description="A further API client for a partner.")
class ApiClientCreateInput:
    partner_id: strawberry.ID = strawberry.field(description="The Partner's global ID; an unknown one is NOT_FOUND.")
    scopes: list[str] | None = strawberry.field(
        default=None, description="The client's scopes, from the partner scope list; null grants all. An unknown scope"
        " is VALIDATION.", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum.",
    )
    granted_scopes: list[Scope] | None = strawberry.field(
        default=None, description="The client's scopes (partner scopes only: a staff permission is VALIDATION); null"
        " grants all. Not together with the deprecated scopes.",
    )


@strawberry.input(description="Which API client to rotate or revoke.")
class ApiClientInput:
    api_client_id: strawberry.ID = strawberry.field(description="The ApiClient's global ID; an unknown one is NOT_FOUND.")
    grace_seconds: int | None = strawberry.field(
        default=0,
        description="apiClientRotateSecret only (apiClientRevoke acts at once and ignores it): how long, 0 to 86400 "
                    "seconds, the old secret still gets tokens at /oauth/token, each expiring by then. The client's "
                    "tokens issued before the rotation are refused once it is over (at once with 0, the default).",
    )


@strawberry.type(description="The new partner, its first API client and that client's secret (shown once), or why not.")
class PartnerCreatePayload:
    partner: Partner | None = strawberry.field(description="The new partner; null when refused.")
    api_client: ApiClient | None = strawberry.field(description="Its first API client; null when refused.")
    client_secret: str | None = strawberry.field(description="Shown once: store it now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was created (VALIDATION); empty on success.")


@strawberry.type(description="The partner after a status change, or why not.")
class PartnerStatusPayload:
    partner: Partner | None = strawberry.field(description="The partner with its new status; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (unknown partner) or VALIDATION (already in that status, or a bad reason); empty on success."
    )


@strawberry.type(description="An API client with a new secret (shown once), or why not.")
class ApiClientSecretPayload:
    api_client: ApiClient | None = strawberry.field(description="The client; null when refused.")
    client_secret: str | None = strawberry.field(description="Shown once: store it now.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (unknown partner or client) or VALIDATION (bad scopes, a revoked client, graceSeconds"
        " out of range); empty on success."
    )


@strawberry.type(description="An API client after it was revoked, or why not.")
class ApiClientPayload:
    api_client: ApiClient | None = strawberry.field(description="The client, now REVOKED; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="NOT_FOUND (unknown client) or VALIDATION (already revoked); empty on success."
    )


def _partner_id(value: strawberry.ID):  # noqa: ANN202 - a UUID or None
    return global_id_to_uuid(value, "Partner")


def _client_id(value: strawberry.ID):  # noqa: ANN202
    return global_id_to_uuid(value, "ApiClient")


@strawberry.type
class PartnerQueries:
    @strawberry.field(permission_classes=requires("partners:read"), description="Staff only. Oldest first.")
    async def partners(
        self, info: Info, first: FirstArg = None, after: AfterArg = None, last: LastArg = None, before: BeforeArg = None,
    ) -> Connection[Partner]:
        page = await partner_queries.list_partners(first=first, after=after, last=last, before=before)
        return Connection.from_page(page, Partner.from_record)


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(permission_classes=requires("partners:write"), description="Bank admin: onboard a partner.")
    async def partner_create(self, info: Info, input: Annotated[PartnerCreateInput, strawberry.argument(description="The fields of this change.")]) -> PartnerCreatePayload:
        async def create() -> NewPartner:
            scopes = chosen_scopes(input.granted_scopes, input.scopes, field="grantedScopes")
            return await onboarding.create_partner(name=input.name, scopes=scopes, environment=input.environment.value)

        created, errors = await attempt(info, create(), detail=f"environment={input.environment.value}")
        if created is None:
            return PartnerCreatePayload(partner=None, api_client=None, client_secret=None, user_errors=errors)
        return PartnerCreatePayload(
            partner=Partner.from_record(created.partner), api_client=ApiClient.from_record(created.client),
            client_secret=created.client_secret, user_errors=[],
        )

    @strawberry.mutation(permission_classes=requires("partners:write"), description="Refuse the partner's tokens from the next request.")
    async def partner_suspend(self, info: Info, input: Annotated[PartnerStatusInput, strawberry.argument(description="The fields of this change.")]) -> PartnerStatusPayload:
        model, errors = await attempt(
            info, partner_status.set_partner_status(partner_id=_partner_id(input.partner_id), status=PartnerStatusValue.SUSPENDED, reason=input.reason),
            detail=input.reason,
        )
        return PartnerStatusPayload(partner=Partner.from_record(model) if model else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=requires("partners:write"),
        description="Bank admin (partners:write): accept the partner's new tokens again. Tokens issued before the"
        " suspension stay refused; the partner's clients get new ones at /oauth/token.",
    )
    async def partner_reactivate(self, info: Info, input: Annotated[PartnerStatusInput, strawberry.argument(description="The fields of this change.")]) -> PartnerStatusPayload:
        model, errors = await attempt(
            info, partner_status.set_partner_status(partner_id=_partner_id(input.partner_id), status=PartnerStatusValue.ACTIVE, reason=input.reason),
            detail=input.reason,
        )
        return PartnerStatusPayload(partner=Partner.from_record(model) if model else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="A further client with its own scopes.")
    async def api_client_create(self, info: Info, input: Annotated[ApiClientCreateInput, strawberry.argument(description="The fields of this change.")]) -> ApiClientSecretPayload:
        async def create() -> IssuedSecret:
            scopes = chosen_scopes(input.granted_scopes, input.scopes, field="grantedScopes")
            return await api_clients.create_api_client(partner_id=_partner_id(input.partner_id), scopes=scopes)

        issued, errors = await attempt(info, create())
        return _secret_payload(issued, errors)

    @strawberry.mutation(
        permission_classes=requires("partners:write"),
        description="A new secret, shown once. The old secret and every token the client was issued before stop working "
                    "at once, or with graceSeconds when that grace period ends (a further rotation ends it at once).",
    )
    async def api_client_rotate_secret(self, info: Info, input: Annotated[ApiClientInput, strawberry.argument(description="The fields of this change.")]) -> ApiClientSecretPayload:
        issued, errors = await attempt(info, api_clients.rotate_client_secret(
            api_client_id=_client_id(input.api_client_id), grace_s=input.grace_seconds or 0,
        ), detail=f"graceSeconds={input.grace_seconds}" if input.grace_seconds else None)
        return _secret_payload(issued, errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="Its tokens are refused from the next request.")
    async def api_client_revoke(self, info: Info, input: Annotated[ApiClientInput, strawberry.argument(description="The fields of this change.")]) -> ApiClientPayload:
        model, errors = await attempt(info, api_clients.revoke_api_client(api_client_id=_client_id(input.api_client_id)))
        return ApiClientPayload(api_client=ApiClient.from_record(model) if model else None, user_errors=errors)


def _secret_payload(issued: IssuedSecret | None, errors: list[UserError]) -> ApiClientSecretPayload:
    if issued is None:
        return ApiClientSecretPayload(api_client=None, client_secret=None, user_errors=errors)
    return ApiClientSecretPayload(
        api_client=ApiClient.from_record(issued.client), client_secret=issued.client_secret, user_errors=[]
    )
