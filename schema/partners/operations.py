"""Staff operations on partners and API clients (bank admin writes, staff reads)."""

from __future__ import annotations

import strawberry

from schema.common.context import Info
from schema.common.errors import UserError, attempt
from schema.common.permissions import requires
from schema.common.relay import Connection, global_id_to_uuid
from schema.partners.types import ApiClient, Partner
from services.partners import api_clients, onboarding, queries as partner_queries, status as partner_status
from services.records import enums

PartnerStatusValue = enums.PartnerStatus


@strawberry.input
class PartnerCreateInput:
    name: str
    scopes: list[str] | None = strawberry.field(default=None, description="Scopes of the first API client (default: all).")


@strawberry.input
class PartnerStatusInput:
    partner_id: strawberry.ID
    reason: str


@strawberry.input
class ApiClientCreateInput:
    partner_id: strawberry.ID
    scopes: list[str] | None = None


@strawberry.input
class ApiClientInput:
    api_client_id: strawberry.ID


@strawberry.type
class PartnerCreatePayload:
    partner: Partner | None
    api_client: ApiClient | None
    client_secret: str | None = strawberry.field(description="Shown once: store it now.")
    user_errors: list[UserError]


@strawberry.type
class PartnerStatusPayload:
    partner: Partner | None
    user_errors: list[UserError]


@strawberry.type
class ApiClientSecretPayload:
    api_client: ApiClient | None
    client_secret: str | None = strawberry.field(description="Shown once: store it now.")
    user_errors: list[UserError]


@strawberry.type
class ApiClientPayload:
    api_client: ApiClient | None
    user_errors: list[UserError]


def _partner_id(value: strawberry.ID):  # noqa: ANN202 - a UUID or None
    return global_id_to_uuid(value, "Partner")


def _client_id(value: strawberry.ID):  # noqa: ANN202
    return global_id_to_uuid(value, "ApiClient")


@strawberry.type
class PartnerQueries:
    @strawberry.field(permission_classes=requires("partners:read"), description="Staff only. Oldest first.")
    async def partners(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Partner]:
        page = await partner_queries.list_partners(first=first, after=after)
        return Connection.from_page(page, Partner.from_model)


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(permission_classes=requires("partners:write"), description="Bank admin: onboard a partner.")
    async def partner_create(self, info: Info, input: PartnerCreateInput) -> PartnerCreatePayload:
        created, errors = await attempt(info, onboarding.create_partner(name=input.name, scopes=input.scopes))
        if created is None:
            return PartnerCreatePayload(partner=None, api_client=None, client_secret=None, user_errors=errors)
        return PartnerCreatePayload(
            partner=Partner.from_model(created.partner), api_client=ApiClient.from_model(created.client),
            client_secret=created.client_secret, user_errors=[],
        )

    @strawberry.mutation(permission_classes=requires("partners:write"), description="Refuse the partner's tokens from the next request.")
    async def partner_suspend(self, info: Info, input: PartnerStatusInput) -> PartnerStatusPayload:
        model, errors = await attempt(
            info, partner_status.set_partner_status(partner_id=_partner_id(input.partner_id), status=PartnerStatusValue.SUSPENDED, reason=input.reason),
            detail=input.reason,
        )
        return PartnerStatusPayload(partner=Partner.from_model(model) if model else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("partners:write"))
    async def partner_reactivate(self, info: Info, input: PartnerStatusInput) -> PartnerStatusPayload:
        model, errors = await attempt(
            info, partner_status.set_partner_status(partner_id=_partner_id(input.partner_id), status=PartnerStatusValue.ACTIVE, reason=input.reason),
            detail=input.reason,
        )
        return PartnerStatusPayload(partner=Partner.from_model(model) if model else None, user_errors=errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="A further client with its own scopes.")
    async def api_client_create(self, info: Info, input: ApiClientCreateInput) -> ApiClientSecretPayload:
        issued, errors = await attempt(
            info, api_clients.create_api_client(partner_id=_partner_id(input.partner_id), scopes=input.scopes)
        )
        return _secret_payload(issued, errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="The old secret stops working at once.")
    async def api_client_rotate_secret(self, info: Info, input: ApiClientInput) -> ApiClientSecretPayload:
        issued, errors = await attempt(info, api_clients.rotate_client_secret(api_client_id=_client_id(input.api_client_id)))
        return _secret_payload(issued, errors)

    @strawberry.mutation(permission_classes=requires("partners:write"), description="Its tokens are refused from the next request.")
    async def api_client_revoke(self, info: Info, input: ApiClientInput) -> ApiClientPayload:
        model, errors = await attempt(info, api_clients.revoke_api_client(api_client_id=_client_id(input.api_client_id)))
        return ApiClientPayload(api_client=ApiClient.from_model(model) if model else None, user_errors=errors)


def _secret_payload(issued: api_clients.IssuedSecret | None, errors: list[UserError]) -> ApiClientSecretPayload:
    if issued is None:
        return ApiClientSecretPayload(api_client=None, client_secret=None, user_errors=errors)
    return ApiClientSecretPayload(
        api_client=ApiClient.from_model(issued.client), client_secret=issued.client_secret, user_errors=[]
    )
