"""Who reads the reports: bank staff whose role grants reports:read (admin, compliance, analyst)."""

from __future__ import annotations

import uuid

from auth.principal import Principal
from models import Partner
from services.authority import require_staff
from services.errors import NotFound

PERMISSION = "reports:read"


def require_reporter(principal: Principal) -> None:
    """Refuse every caller but staff holding reports:read (FORBIDDEN)."""
    require_staff(principal, PERMISSION)


async def chosen_partner(partner_id: uuid.UUID | None, *, named: bool) -> uuid.UUID | None:
    """The partner a report is narrowed to: None when none was named; NOT_FOUND when the ID names no partner."""
    if not named:
        return None
    if partner_id is None or not await Partner.exists(id=partner_id):
        raise NotFound("no such partner", field=["partnerId"])
    return partner_id
