"""A partner's environment: LIVE (real customers and money) or SANDBOX (test ones), fixed at partnerCreate.

A sandbox partner's credentials, customers and money live apart from live
data: partner scoping (services.scoping) already keeps every partner's rows
to itself, its tokens carry the environment (the `env` claim, checked against
the partner at every request by services.token_liveness), its money moves
through its own SANDBOX accounts instead of the bank's settlement and fee
revenue accounts (services.ledger.planning), and live reports leave it out.
The environment never changes, so each process remembers it per partner.
"""

from __future__ import annotations

import uuid

from auth.principal import SANDBOX, Principal
from models import Partner
from models.enums import PartnerEnvironment
from services.authority import require_partner_token
from services.caches import PARTNER_ENVIRONMENTS
from services.errors import Forbidden
from services.scoping import partner_row


def parse_environment(value: str | PartnerEnvironment | None) -> PartnerEnvironment:
    """LIVE or SANDBOX from the enum or its name in any case (None: LIVE, the default)."""
    if value is None:
        return PartnerEnvironment.LIVE
    return PartnerEnvironment(str(getattr(value, "value", value)).upper())


def partner_environment_of(principal: Principal) -> PartnerEnvironment:
    """The environment a partner or customer token claims (its `env`); staff tokens claim none (LIVE here)."""
    return PartnerEnvironment.SANDBOX if principal.environment == SANDBOX else PartnerEnvironment.LIVE


async def partner_environment(partner_id: uuid.UUID | None) -> PartnerEnvironment | None:
    """The partner's environment (None: no such partner), remembered once read: it never changes."""
    if partner_id is None:
        return None
    cached = PARTNER_ENVIRONMENTS.get(partner_id)
    if cached is not None:
        return cached
    found = await partner_row(partner_id).values_list("environment", flat=True)
    if not found:
        return None
    environment = parse_environment(found[0])
    PARTNER_ENVIRONMENTS.put(partner_id, environment)
    return environment


async def is_sandbox_partner(partner_id: uuid.UUID | None) -> bool:
    """Whether the partner is a sandbox partner (no partner: no)."""
    return await partner_environment(partner_id) is PartnerEnvironment.SANDBOX


async def require_sandbox_partner(principal: Principal, operation: str) -> None:
    """Refuse (FORBIDDEN) every caller but a sandbox partner's own token: the token and the partner must both say so."""
    require_partner_token(principal)
    if not principal.is_sandbox or not await is_sandbox_partner(principal.partner_id):
        raise Forbidden(f"{operation} is for sandbox partners only (partnerCreate with environment SANDBOX)")


async def environments_of(partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, PartnerEnvironment]:
    """The environments of several partners, by id, in at most one query (a DataLoader batch)."""
    missing = [p for p in set(partner_ids) if PARTNER_ENVIRONMENTS.get(p) is None]
    if missing:
        for partner_id, value in await Partner.filter(id__in=missing).values_list("id", "environment"):
            PARTNER_ENVIRONMENTS.put(partner_id, parse_environment(value))
    return {p: PARTNER_ENVIRONMENTS.get(p) for p in partner_ids if PARTNER_ENVIRONMENTS.get(p) is not None}
