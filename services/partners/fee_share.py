"""The partner's share of its customers' fees, in basis points."""

from __future__ import annotations

import uuid

from services.caches import FEES_CHANNEL
from services.change_feed import announce
from services.errors import ValidationFailed
from services.partners.queries import partner_row
from services.partners.records import PartnerRecord


async def set_fee_share(*, partner_id: uuid.UUID | None, share_bps: int) -> PartnerRecord:
    """Set the partner's share of its customers' fees (0 to 10,000 basis points); applies from the next posting."""
    if not 0 <= share_bps <= 10_000:
        raise ValidationFailed("shareBps must be between 0 and 10000", field=["shareBps"])
    partner = await partner_row(partner_id)
    partner.fee_share_bps = share_bps
    await partner.save(update_fields=["fee_share_bps"])
    await announce(FEES_CHANNEL)  # every worker forgets the old share
    return PartnerRecord.from_row(partner)
