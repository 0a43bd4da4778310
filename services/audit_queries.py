"""Reading the audit log back for bank staff (audit:read), with filters."""

from __future__ import annotations

import uuid
from datetime import datetime

from auth.principal import Principal
from models import AuditEvent
from services.authority import require_staff
from services.errors import ValidationFailed
from services.pagination import Page, check_page_size
from services.scoping import of_chosen_partner

READ_PERMISSION = "audit:read"


async def list_audit_events(
    *,
    principal: Principal,
    first: int | None,
    after: str | None,
    actor_id: str | None = None,
    partner_id: uuid.UUID | None = None,
    object_id: str | None = None,
    operation: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
) -> Page[AuditEvent]:
    """Audit events, newest first, filtered by actor, partner, object, operation and time (staff with audit:read)."""
    require_staff(principal, READ_PERMISSION)
    size = check_page_size(first)
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
    if after is not None:
        if not after.isdigit() or len(after) > 19:
            raise ValidationFailed("invalid cursor", field=["after"])
        query = query.filter(id__lt=int(after))
    rows = await query.order_by("-id").limit(size + 1)
    return Page(
        items=rows[:size], cursors=[str(row.id) for row in rows[:size]],
        has_next_page=len(rows) > size, has_previous_page=after is not None,
    )
