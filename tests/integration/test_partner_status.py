"""services.partners.status: suspending and reactivating a partner, with a reason."""

from __future__ import annotations

import uuid

import pytest

from models import Partner
from models.enums import PartnerStatus
from services.errors import NotFound, ValidationFailed
from services.partners.onboarding import create_partner
from services.partners.status import set_partner_status


async def test_suspend_then_reactivate(database_url):
    partner = (await create_partner(name="status-cycle")).partner
    suspended = await set_partner_status(partner_id=partner.id, status=PartnerStatus.SUSPENDED, reason="unpaid invoices")
    assert suspended.status == PartnerStatus.SUSPENDED
    assert (await Partner.get(id=partner.id)).status == PartnerStatus.SUSPENDED
    active = await set_partner_status(partner_id=partner.id, status=PartnerStatus.ACTIVE, reason="paid")
    assert (await Partner.get(id=active.id)).status == PartnerStatus.ACTIVE


async def test_the_same_status_again_is_refused(database_url):
    partner = (await create_partner(name="status-same")).partner
    with pytest.raises(ValidationFailed, match="already active") as caught:
        await set_partner_status(partner_id=partner.id, status=PartnerStatus.ACTIVE, reason="why not")
    assert caught.value.field == ["partnerId"]


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501, "bad\x00reason"])
async def test_a_reason_is_required_short_and_clean(database_url, reason):
    partner = (await create_partner(name=f"status-reason-{uuid.uuid4().hex[:6]}")).partner
    with pytest.raises(ValidationFailed) as caught:
        await set_partner_status(partner_id=partner.id, status=PartnerStatus.SUSPENDED, reason=reason)  # type: ignore[arg-type]
    assert caught.value.field == ["reason"]
    assert (await Partner.get(id=partner.id)).status == PartnerStatus.ACTIVE


async def test_an_unknown_partner_is_not_found(database_url):
    with pytest.raises(NotFound):
        await set_partner_status(partner_id=uuid.uuid4(), status=PartnerStatus.SUSPENDED, reason="gone")
