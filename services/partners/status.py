"""A partner's status: suspended partners' tokens are refused, reactivated ones accepted again."""

from __future__ import annotations

import uuid

from models import Partner
from models.enums import PartnerStatus
from services.errors import ValidationFailed
from services.partners.queries import get_partner
from services.token_liveness import announce_access_change
from services.validation import clean_text


async def set_partner_status(*, partner_id: uuid.UUID | None, status: PartnerStatus, reason: str) -> Partner:
    """Suspend or reactivate a partner, with a reason; its tokens are refused or accepted from the next request."""
    clean_text(reason, field="reason", max_len=500)
    partner = await get_partner(partner_id=partner_id)
    if partner.status == status:
        raise ValidationFailed(f"partner is already {status.value.lower()}", field=["partnerId"])
    partner.status = status
    await partner.save(update_fields=["status"])
    await announce_access_change()
    return partner
