"""The bank's per-partner setting for money a partner's own token moves when a pack asks for strong authentication.

EXEMPT (the default, today's behaviour): a partner token acting server-side
may make such postings. REQUIRE_CUSTOMER_TOKEN: it may not; the partner must
make them with a customer token carrying a strong enough authentication
(services.compliance.strong_auth_check). Set by bank staff with
`partnerStrongAuthSet` (partners:write), audited, effective from the next
posting (the posting path reads the setting fresh).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.enums import PartnerStrongAuthMode
from services.errors import ValidationFailed
from services.outcome import AuditTarget, ServiceResult
from services.partners.queries import partner_row
from services.partners.records import PartnerRecord

MODES: tuple[str, ...] = tuple(mode.value for mode in PartnerStrongAuthMode)


@dataclass(frozen=True, kw_only=True)
class PartnerStrongAuth(ServiceResult):
    """A partner and its strong authentication setting."""

    partner: PartnerRecord
    mode: PartnerStrongAuthMode

    def audit_target(self) -> AuditTarget:
        """Filed under the partner."""
        return self.partner.audit_target()


async def set_partner_strong_auth(*, partner_id: uuid.UUID | None, mode: str) -> PartnerStrongAuth:
    """Set whether the partner's own token may make postings that need strong customer authentication."""
    if mode not in MODES:
        raise ValidationFailed(f"mode is one of {', '.join(MODES)}", field=["mode"])
    partner = await partner_row(partner_id)
    partner.strong_auth_mode = PartnerStrongAuthMode(mode)
    await partner.save(update_fields=["strong_auth_mode"])
    return PartnerStrongAuth(partner=PartnerRecord.from_row(partner), mode=PartnerStrongAuthMode(mode))

