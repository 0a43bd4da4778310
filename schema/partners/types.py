"""GraphQL types of partners and their API clients (staff views)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.partners.records import ApiClientRecord, PartnerRecord
from schema.common.context import Info
from schema.common.enums import ApiClientStatus, PartnerEnvironment, PartnerStatus
from schema.common.permissions import requires
from schema.common.relay import Node, to_global_id
from schema.common.scopes import Scope, typed_scopes


@strawberry.type(description="An OAuth client of a partner. Its secret is shown once, at creation or rotation.")
class ApiClient(Node):
    client_id: str = strawberry.field(description="The OAuth client_id to send to /oauth/token (\"qb_\" and 24 hex digits).")
    scopes: list[str] = strawberry.field(
        description="The scopes this client may be granted, sorted.", deprecation_reason="Use grantedScopes: the same scopes as the Scope enum."
    )

    @strawberry.field(description="The scopes this client may be granted, sorted.")
    def granted_scopes(self) -> list[Scope]:
        return typed_scopes(self.scopes)
    status: ApiClientStatus = strawberry.field(description="ACTIVE, or REVOKED for good (no new tokens, live ones refused).")
    created_at: datetime = strawberry.field(description="When the client was created.")
    rotation_grace_ends_at: datetime | None = strawberry.field(
        default=None,
        description="After apiClientRotateSecret with graceSeconds: when that grace period ends (until then the "
                    "replaced credential still gets tokens, and the client's tokens from before the rotation still "
                    "work); null when no grace period runs.",
    )

    @classmethod
    def from_record(cls, record: ApiClientRecord) -> ApiClient:
        """The GraphQL view of an API client (never its secret hash)."""
        return cls(
            id=to_global_id("ApiClient", record.id), client_id=record.client_id, scopes=list(record.scopes),
            status=ApiClientStatus(record.status.value), created_at=record.created_at,
            rotation_grace_ends_at=record.rotation_grace_ends_at,
        )


@strawberry.type(description="A fintech company integrated with the bank.")
class Partner(Node):
    name: str = strawberry.field(description="The partner's name, as the bank registered it.")
    status: PartnerStatus = strawberry.field(description="ACTIVE, or SUSPENDED: every token of a suspended partner is refused.")
    fee_share_bps: int = strawberry.field(description="The partner's share of its customers' fees, in basis points.")
    created_at: datetime = strawberry.field(description="When the bank onboarded the partner.")
    environment: PartnerEnvironment = strawberry.field(
        default=PartnerEnvironment.LIVE,  # type: ignore[attr-defined]
        description="LIVE or SANDBOX, fixed at partnerCreate. A SANDBOX partner's tokens, customers and money live"
        " apart from live data (test money from sandboxFund, magic KYC values) and never count in live reports.",
    )
    _record: strawberry.Private[PartnerRecord]

    @classmethod
    def from_record(cls, record: PartnerRecord) -> Partner:
        """The GraphQL view of a partner."""
        return cls(
            id=to_global_id("Partner", record.id), name=record.name, status=PartnerStatus(record.status.value),
            fee_share_bps=record.fee_share_bps, created_at=record.created_at,
            environment=PartnerEnvironment(record.environment.value), _record=record,
        )

    @strawberry.field(
        permission_classes=requires("partners:read"),
        description="The partner's API clients, oldest first (staff with partners:read only; never a secret).",
    )
    async def api_clients(self, info: Info) -> list[ApiClient]:
        records = await info.context.loaders.api_clients.load(self._record.id)
        return [ApiClient.from_record(record) for record in records]
