"""GraphQL types of partners and their API clients (staff views)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.records import ApiClient as ApiClientModel
from services.records import Partner as PartnerModel
from schema.common.context import Info
from schema.common.enums import ApiClientStatus, PartnerStatus
from schema.common.permissions import requires
from schema.common.relay import to_global_id


@strawberry.type(description="An OAuth client of a partner. Its secret is shown once, at creation or rotation.")
class ApiClient:
    id: strawberry.ID
    client_id: str
    scopes: list[str]
    status: ApiClientStatus
    created_at: datetime

    @classmethod
    def from_model(cls, model: ApiClientModel) -> ApiClient:
        """The GraphQL view of an API client row (never its secret hash)."""
        return cls(
            id=to_global_id("ApiClient", model.id), client_id=model.client_id, scopes=model.scopes.split(),
            status=ApiClientStatus(model.status), created_at=model.created_at,
        )


@strawberry.type(description="A fintech company integrated with the bank.")
class Partner:
    id: strawberry.ID
    name: str
    status: PartnerStatus
    fee_share_bps: int = strawberry.field(description="The partner's share of its customers' fees, in basis points.")
    created_at: datetime
    _model: strawberry.Private[PartnerModel]

    @classmethod
    def from_model(cls, model: PartnerModel) -> Partner:
        """The GraphQL view of a partner row."""
        return cls(
            id=to_global_id("Partner", model.id), name=model.name, status=PartnerStatus(model.status),
            fee_share_bps=model.fee_share_bps, created_at=model.created_at, _model=model,
        )

    @strawberry.field(permission_classes=requires("partners:read"), description="Staff only.")
    async def api_clients(self, info: Info) -> list[ApiClient]:
        rows = await info.context.loaders.api_clients.load(self._model.id)
        return [ApiClient.from_model(row) for row in rows]
