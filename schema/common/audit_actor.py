"""Who the audit log names as the actor of a request."""

from __future__ import annotations

from typing import Any

from auth.principal import Principal
from services.audit import Actor, AuditNote


def actor_of(principal: Principal | None) -> Actor:
    """The audit actor for a request's principal."""
    if principal is None:
        return Actor(kind="anonymous", id="-")
    actor_id = f"{principal.subject}/{principal.customer_id}" if principal.is_customer else principal.subject
    return Actor(kind=principal.kind, id=actor_id, partner_id=principal.partner_id)


def audit_note(info: Any) -> AuditNote:
    """What a service needs to audit this mutation inside its own transaction."""
    context = info.context
    return AuditNote(actor=actor_of(context.principal), operation=info.field_name, request_id=context.request_id)


def actor_label(info: Any) -> str:
    """The caller as "kind:subject", as stored in the `created_by` / `updated_by` columns."""
    principal = info.context.principal
    return f"{principal.kind}:{principal.subject}"
