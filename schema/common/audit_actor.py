"""Who the audit log names as the actor of a request."""

from __future__ import annotations

from auth.principal import Principal
from services.audit import Actor


def actor_of(principal: Principal | None) -> Actor:
    """The audit actor for a request's principal."""
    if principal is None:
        return Actor(kind="anonymous", id="-")
    actor_id = f"{principal.subject}/{principal.customer_id}" if principal.is_customer else principal.subject
    return Actor(kind=principal.kind, id=actor_id, partner_id=principal.partner_id)
