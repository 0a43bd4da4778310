"""Who reads the reports: bank staff whose role grants reports:read (admin, compliance, analyst)."""

from __future__ import annotations

from auth.principal import Principal
from services.authority import require_staff

PERMISSION = "reports:read"


def require_reporter(principal: Principal) -> None:
    """Refuse every caller but staff holding reports:read (FORBIDDEN)."""
    require_staff(principal, PERMISSION)
