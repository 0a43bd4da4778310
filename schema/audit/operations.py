"""The audit trail for bank staff."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.records import AuditEvent as AuditEventModel
from schema.common.context import Info
from schema.common.permissions import requires
from schema.common.relay import Connection, global_id_to_uuid, parse_global_id
from services.audit_queries import list_audit_events
from services.errors import NotFound


@strawberry.type(description="One audited action. chainSeq/hash place it in the tamper-evident chain.")
class AuditEvent:
    id: strawberry.ID
    occurred_at: datetime
    actor_kind: str
    actor_id: str
    partner_id: str | None
    operation: str
    object_type: str | None
    object_id: str | None
    request_id: str | None
    outcome: str
    detail: str | None
    chain_seq: str | None = strawberry.field(description="Position in the chain (null until chained, within seconds).")
    hash: str | None

    @classmethod
    def from_model(cls, row: AuditEventModel) -> AuditEvent:
        """The GraphQL view of an audit row."""
        return cls(
            id=strawberry.ID(str(row.id)), occurred_at=row.occurred_at, actor_kind=row.actor_kind,
            actor_id=row.actor_id, partner_id=str(row.partner_id) if row.partner_id else None,
            operation=row.operation, object_type=row.object_type, object_id=row.object_id,
            request_id=row.request_id, outcome=row.outcome, detail=row.detail,
            chain_seq=str(row.chain_seq) if row.chain_seq is not None else None, hash=row.hash,
        )


@strawberry.type
class AuditQueries:
    @strawberry.field(permission_classes=requires("audit:read"), description="Staff only. Newest first.")
    async def audit_events(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        actor_id: str | None = None,
        partner_id: strawberry.ID | None = None,
        object_id: str | None = None,
        operation: str | None = None,
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
    ) -> Connection[AuditEvent]:
        partner_uuid = None
        if partner_id is not None:
            partner_uuid = global_id_to_uuid(partner_id, "Partner")
            if partner_uuid is None:
                raise NotFound("partner not found", field=["partnerId"])
        parsed = parse_global_id(object_id) if object_id else None
        if parsed is not None:
            object_id = str(parsed[1])  # accept a global ID as well as a raw id
        page = await list_audit_events(
            principal=info.context.principal, first=first, after=after, actor_id=actor_id, partner_id=partner_uuid, object_id=object_id,
            operation=operation, occurred_from=occurred_from, occurred_to=occurred_to,
        )
        return Connection.from_page(page, AuditEvent.from_model)
