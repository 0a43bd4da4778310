"""A partner's status: a suspended partner's tokens are refused; after a reactivation only tokens issued since are accepted."""

from __future__ import annotations

import uuid

from models.enums import PartnerStatus
from services.errors import ValidationFailed
from services.partners.queries import partner_row
from services.partners.records import PartnerRecord
from services.token_liveness import announce_access_change, token_cutoff
from services.validation import clean_reason


async def set_partner_status(*, partner_id: uuid.UUID | None, status: PartnerStatus, reason: str) -> PartnerRecord:
    """Suspend or reactivate a partner, with a reason; its tokens are refused from the next request.

    A suspension also refuses for good every token issued before it (the
    partner's and the customer tokens it delegated): a reactivation accepts
    only tokens issued after it.
    """
    clean_reason(reason, max_len=500)
    partner = await partner_row(partner_id)
    if partner.status == status:
        raise ValidationFailed(f"partner is already {status.value.lower()}", field=["partnerId"])
    partner.status = status
    changed = ["status"]
    if status == PartnerStatus.SUSPENDED:
        partner.min_token_iat_s = max(partner.min_token_iat_s or 0, token_cutoff())
        changed.append("min_token_iat_s")
    await partner.save(update_fields=changed)
    await announce_access_change()
    return PartnerRecord.from_row(partner)
