"""services.merchants: BUSINESS customers with approved KYC become merchants; suspension; who reads which."""

from __future__ import annotations

import uuid

import pytest

from models import AuditEvent, Customer, DomainEvent, Merchant, Wallet
from models.enums import MerchantStatus, ScreeningStatus, WalletStatus
from services.audit import Actor, AuditNote
from services.errors import (
    ComplianceHold, Forbidden, KycRequired, MerchantStateConflict, NotFound, ValidationFailed, WalletNotActive,
)
from services.merchants import queries
from services.merchants.onboarding import create_merchant
from services.merchants.records import MerchantRecord
from services.merchants.status import reactivate_merchant, suspend_merchant
from services.wallet_freeze import freeze_wallet
from tests.integration.merchant_support import business, customer_token, merchant_of, staff
from tests.integration.service_support import holder, new_partner


async def test_a_business_customer_with_approved_kyc_becomes_an_active_merchant(database_url):
    partner = await new_partner("mer-create")
    owner = await business(partner)
    merchant = await merchant_of(partner, owner, display_name="  Noodle Bar  ", mcc="5812", country="cn")
    assert isinstance(merchant, MerchantRecord) and merchant.audit_target().object_type == "Merchant"
    assert (merchant.display_name, merchant.mcc, merchant.city, merchant.country) == ("Noodle Bar", "5812", "Shanghai", "CN")
    assert merchant.category_name and merchant.status is MerchantStatus.ACTIVE and merchant.status_reason is None
    assert (merchant.customer_id, merchant.settlement_wallet_id) == (owner.customer_id, owner.wallet_id)
    event = await DomainEvent.get(type="merchant.created", object_id=str(merchant.id))
    assert event.partner_id == partner.partner_id  # type: ignore[attr-defined]
    assert event.payload == {"merchantId": str(merchant.id), "customerId": str(owner.customer_id),
                             "walletId": str(owner.wallet_id)}


@pytest.mark.parametrize("overrides, error, field", [
    ({"mcc": "58a2"}, ValidationFailed, ["mcc"]),
    ({"mcc": "58123"}, ValidationFailed, ["mcc"]),
    ({"mcc": "0000"}, ValidationFailed, ["mcc"]),  # four digits, but no ISO 18245 category
    ({"display_name": "N" * 26}, ValidationFailed, ["displayName"]),
    ({"display_name": "   "}, ValidationFailed, ["displayName"]),
    ({"display_name": "面馆"}, ValidationFailed, ["displayName"]),  # EMVCo Merchant Name: printable ASCII
    ({"display_name": "Bar\x00"}, ValidationFailed, ["displayName"]),
    ({"city": "C" * 16}, ValidationFailed, ["city"]),
    ({"country": "XX"}, ValidationFailed, ["country"]),
])
async def test_bad_input_is_refused_and_nothing_is_written(database_url, overrides, error, field):
    partner = await new_partner("mer-bad")
    before = await Merchant.all().count()
    with pytest.raises(error) as caught:
        await merchant_of(partner, **overrides)
    assert caught.value.field == field
    assert await Merchant.all().count() == before


async def test_only_business_customers_with_approved_kyc_and_clear_screening(database_url):
    partner = await new_partner("mer-kyc")
    person = await holder(partner, kind="INDIVIDUAL")
    with pytest.raises(ValidationFailed) as caught:
        await merchant_of(partner, person)
    assert caught.value.field == ["customerId"]
    with pytest.raises(KycRequired):
        await merchant_of(partner, await business(partner, tier=None))
    held = await business(partner)
    await Customer.filter(id=held.customer_id).update(screening_status=ScreeningStatus.HOLD)
    with pytest.raises(ComplianceHold):
        await merchant_of(partner, held)


async def test_the_settlement_wallet_is_an_active_wallet_of_the_same_customer(database_url):
    partner = await new_partner("mer-wallet")
    owner, other = await business(partner), await business(partner)
    with pytest.raises(ValidationFailed) as caught:
        await create_merchant(principal=partner, customer_id=owner.customer_id, settlement_wallet_id=other.wallet_id,
                              display_name="Shop", mcc="5411", city="Beijing", country="CN")
    assert caught.value.field == ["settlementWalletId"]
    await Wallet.filter(id=owner.wallet_id).update(status=WalletStatus.FROZEN)
    with pytest.raises(WalletNotActive):
        await merchant_of(partner, owner)


async def test_another_partner_customer_token_or_staff_cannot_create(database_url):
    partner, other = await new_partner("mer-own"), await new_partner("mer-other")
    owner = await business(partner)
    with pytest.raises(NotFound):
        await merchant_of(other, owner)
    with pytest.raises(Forbidden):
        await merchant_of(customer_token(partner, owner.customer_id), owner)
    with pytest.raises(Forbidden):
        await merchant_of(staff("admin"), owner)


async def test_suspend_and_reactivate_with_a_reason_events_and_an_audit_row(database_url):
    partner = await new_partner("mer-status")
    merchant = await merchant_of(partner)
    note = AuditNote(actor=Actor(kind="partner", id=partner.subject, partner_id=partner.partner_id),
                     operation="merchantSuspend", request_id="req-mer")
    suspended = await suspend_merchant(principal=partner, merchant_id=merchant.id, reason="fraud reports", audit=note)
    assert suspended.status is MerchantStatus.SUSPENDED and suspended.status_reason == "fraud reports" and suspended.audited
    audit = await AuditEvent.filter(operation="merchantSuspend", object_id=str(merchant.id)).first()
    assert audit is not None and "reason=fraud reports" in (audit.detail or "")
    with pytest.raises(MerchantStateConflict):
        await suspend_merchant(principal=partner, merchant_id=merchant.id, reason="again please")
    with pytest.raises(ValidationFailed):
        await reactivate_merchant(principal=partner, merchant_id=merchant.id, reason="ok")  # under 3 characters
    active = await reactivate_merchant(principal=partner, merchant_id=merchant.id, reason="resolved with the bank")
    assert active.status is MerchantStatus.ACTIVE and active.status_reason is None and not active.audited
    types = await DomainEvent.filter(object_id=str(merchant.id)).order_by("id").values_list("type", flat=True)
    assert types == ["merchant.created", "merchant.suspended", "merchant.reactivated"]
    with pytest.raises(MerchantStateConflict):
        await reactivate_merchant(principal=partner, merchant_id=merchant.id, reason="already active")


async def test_status_changes_only_by_the_partner_own_token(database_url):
    partner, other = await new_partner("mer-st-own"), await new_partner("mer-st-other")
    merchant = await merchant_of(partner)
    with pytest.raises(NotFound):
        await suspend_merchant(principal=other, merchant_id=merchant.id, reason="not mine")
    with pytest.raises(NotFound):
        await suspend_merchant(principal=partner, merchant_id=uuid.uuid4(), reason="missing")
    with pytest.raises(Forbidden):
        await suspend_merchant(principal=customer_token(partner, merchant.customer_id), merchant_id=merchant.id,
                               reason="a customer")
    assert (await Merchant.get(id=merchant.id)).status == MerchantStatus.ACTIVE


async def test_reads_partner_its_own_customer_token_its_customer_staff_all(database_url):
    partner, other = await new_partner("mer-read"), await new_partner("mer-read-b")
    first, second = await merchant_of(partner), await merchant_of(partner)
    await suspend_merchant(principal=partner, merchant_id=second.id, reason="closed for holidays")
    page = await queries.list_merchants(principal=partner, first=10)
    assert [m.id for m in page.items] == [first.id, second.id]
    suspended = await queries.list_merchants(principal=partner, status="SUSPENDED")
    assert [m.id for m in suspended.items] == [second.id]
    with pytest.raises(ValidationFailed):
        await queries.list_merchants(principal=partner, status="CLOSED")
    assert (await queries.get_merchant(principal=partner, merchant_id=first.id)).id == first.id
    with pytest.raises(NotFound):
        await queries.get_merchant(principal=other, merchant_id=first.id)
    assert (await queries.list_merchants(principal=other)).items == []
    token = customer_token(partner, first.customer_id)
    assert [m.id for m in (await queries.list_merchants(principal=token)).items] == [first.id]
    with pytest.raises(NotFound):
        await queries.get_merchant(principal=token, merchant_id=second.id)
    assert (await queries.get_merchant(principal=staff("analyst"), merchant_id=second.id)).status is MerchantStatus.SUSPENDED
    with pytest.raises(Forbidden):
        await queries.get_merchant(principal=staff("nobody"), merchant_id=first.id)


async def test_a_frozen_settlement_wallet_does_not_change_the_merchant(database_url):
    partner = await new_partner("mer-frozen")
    merchant = await merchant_of(partner)
    await freeze_wallet(principal=staff("compliance"), wallet_id=merchant.settlement_wallet_id, reason="review")
    assert (await queries.get_merchant(principal=partner, merchant_id=merchant.id)).status is MerchantStatus.ACTIVE
