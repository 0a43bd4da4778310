"""Reading the audit log back for bank staff (audit:read), with filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from models import AuditEvent
from services.authority import require_staff
from services.pagination import Page, check_time_range, keyset_page, map_page
from services.scoping import of_chosen_partner

READ_PERMISSION = "audit:read"


@dataclass(frozen=True)
class AuditEventRecord:
    """One audited action as staff read it back, with its place in the tamper-evident chain."""

    id: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str
    partner_id: uuid.UUID | None
    operation: str
    object_type: str | None
    object_id: str | None
    request_id: str | None
    outcome: str
    detail: str | None
    chain_seq: int | None
    hash: str | None

    @classmethod
    def from_row(cls, row: AuditEvent) -> AuditEventRecord:
        """The record of a stored audit row."""
        return cls(
            id=row.id, occurred_at=row.occurred_at, actor_kind=row.actor_kind, actor_id=row.actor_id,
            partner_id=row.partner_id, operation=row.operation, object_type=row.object_type, object_id=row.object_id,
            request_id=row.request_id, outcome=row.outcome, detail=row.detail, chain_seq=row.chain_seq, hash=row.hash,
        )


async def list_audit_events(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    actor_id: str | None = None,
    partner_id: uuid.UUID | None = None,
    object_id: str | None = None,
    operation: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
) -> Page[AuditEventRecord]:
    """Audit events, newest first, filtered by actor, partner, object, operation and time (staff with audit:read)."""
    require_staff(principal, READ_PERMISSION)
    occurred_from, occurred_to = check_time_range(
        occurred_from, occurred_to, start_field="occurredFrom", end_field="occurredTo"
    )
    query = AuditEvent.all()
    if actor_id:
        query = query.filter(actor_id=actor_id)
    if partner_id:
        query = of_chosen_partner(query, partner_id)
    if object_id:
        query = query.filter(object_id=object_id)
    if operation:
        query = query.filter(operation=operation)
    if occurred_from:
        query = query.filter(occurred_at__gte=occurred_from)
    if occurred_to:
        query = query.filter(occurred_at__lt=occurred_to)
    page = await keyset_page(query, first=first, after=after, last=last, before=before, newest_first=True, integer_ids=True)
    return map_page(page, AuditEventRecord.from_row)

async def get_audit_event(*, principal: Principal, event_id: int) -> AuditEventRecord | None:
    """One audit event by id (staff with audit:read), or None."""
    require_staff(principal, READ_PERMISSION)
    row = await AuditEvent.get_or_none(id=event_id)
    return AuditEventRecord.from_row(row) if row is not None else None
