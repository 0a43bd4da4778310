"""services.payment_requests: static and dynamic EMVCo codes, and qrDecode's checks for a payer of any partner."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from models import DomainEvent, Merchant, PaymentRequest, Wallet
from models.enums import MerchantStatus, PartnerEnvironment, WalletStatus
from services import clock
from services.errors import (
    AlreadyPaid, CurrencyMismatch, Forbidden, InvalidAmount, InvalidQrCode, MerchantNotActive, NotFound,
    PaymentRequestExpired, ValidationFailed,
)
from services.merchants.status import suspend_merchant
from services.partners.onboarding import create_partner
from services.payment_requests import queries
from services.payment_requests.creation import DEFAULT_TTL, create_payment_request
from services.payment_requests.currency_numbers import currency_numeric
from services.payment_requests.preview import preview_qr
from services.payment_requests.records import PaymentRequestRecord, QrPreview
from services.payments import emv_qr
from auth.principal import SANDBOX, Principal
from auth.scopes import PARTNER_SCOPES
from tests.integration.merchant_support import business, customer_token, merchant_of, staff
from tests.integration.service_support import new_partner

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)


async def test_a_static_code_has_no_amount_no_expiry_and_is_paid_many_times(database_url):
    partner = await new_partner("pr-static")
    merchant = await merchant_of(partner)
    request = await create_payment_request(principal=partner, merchant_id=merchant.id, reference="TABLE 7")
    assert (request.dynamic, request.single_use, request.amount_minor, request.expires_at) == (False, False, None, None)
    assert isinstance(request, PaymentRequestRecord) and request.audit_target().object_type == "PaymentRequest"
    assert request.currency == "CNY" and request.reference == "TABLE 7"
    decoded = emv_qr.decode(request.payload)
    emv_qr.require_ours(decoded)
    assert decoded.currency_numeric == currency_numeric("CNY") == "156"
    event = await DomainEvent.get(type="payment_request.created", object_id=str(request.id))
    assert event.payload == {"paymentRequestId": str(request.id), "merchantId": str(merchant.id), "kind": "STATIC",
                             "currency": "CNY"}
    payer = await new_partner("pr-static-payer")
    preview = await preview_qr(principal=payer, payload=request.payload)
    assert isinstance(preview, QrPreview)
    assert (preview.payment_request_id, preview.amount_minor, preview.dynamic, preview.expires_at) == (request.id, None, False, None)
    assert preview.merchant.id == merchant.id and preview.merchant.display_name == "Noodle Bar"
    assert preview.merchant.category_name == merchant.category_name and preview.merchant.mcc == "5812"
    await PaymentRequest.filter(id=request.id).update(paid_at=NOW)  # paid once: a static code stays payable
    assert (await preview_qr(principal=payer, payload=request.payload)).payment_request_id == request.id


async def test_a_dynamic_code_carries_amount_reference_and_a_default_expiry(database_url):
    partner = await new_partner("pr-dynamic")
    merchant = await merchant_of(partner)
    with clock.frozen_at(NOW):
        request = await create_payment_request(principal=partner, merchant_id=merchant.id, amount="12.50",
                                               reference="ORDER-1", single_use=True)
    assert (request.dynamic, request.single_use, request.amount_minor) == (True, True, 1250)
    assert request.expires_at == NOW + DEFAULT_TTL
    event = await DomainEvent.get(type="payment_request.created", object_id=str(request.id))
    assert event.payload["amount"] == {"amount": "12.50", "currency": "CNY"} and event.payload["kind"] == "DYNAMIC"
    payer = await new_partner("pr-dynamic-payer")
    preview = await preview_qr(principal=payer, payload=request.payload, now=NOW + timedelta(minutes=5))
    assert (preview.amount_minor, preview.currency, preview.reference, preview.single_use) == (1250, "CNY", "ORDER-1", True)
    with pytest.raises(PaymentRequestExpired):
        await preview_qr(principal=payer, payload=request.payload, now=NOW + DEFAULT_TTL)
    await PaymentRequest.filter(id=request.id).update(paid_at=NOW)
    with pytest.raises(AlreadyPaid):
        await preview_qr(principal=payer, payload=request.payload, now=NOW)


@pytest.mark.parametrize("values, error, field", [
    ({"amount": "12.505"}, InvalidAmount, ["amount"]),
    ({"amount": "0"}, InvalidAmount, ["amount"]),
    ({"amount": "1", "expires_at": NOW - timedelta(seconds=1)}, ValidationFailed, ["expiresAt"]),
    ({"amount": "1", "expires_at": NOW + timedelta(hours=24, seconds=1)}, ValidationFailed, ["expiresAt"]),
    ({"single_use": True}, ValidationFailed, ["singleUse"]),
    ({"expires_at": NOW + timedelta(hours=1)}, ValidationFailed, ["expiresAt"]),
    ({"reference": "R" * 26}, ValidationFailed, ["reference"]),
    ({"reference": "订单"}, ValidationFailed, ["reference"]),
])
async def test_bad_input_is_refused_and_nothing_is_written(database_url, values, error, field):
    partner = await new_partner("pr-bad")
    merchant = await merchant_of(partner)
    before = await PaymentRequest.all().count()
    with pytest.raises(error) as caught:
        await create_payment_request(principal=partner, merchant_id=merchant.id, now=NOW, **values)
    assert caught.value.field == field
    assert await PaymentRequest.all().count() == before


async def test_the_longest_allowed_expiry_and_an_explicit_one(database_url):
    partner = await new_partner("pr-expiry")
    merchant = await merchant_of(partner)
    latest = await create_payment_request(principal=partner, merchant_id=merchant.id, amount="1", single_use=True,
                                          expires_at=NOW + timedelta(hours=24), now=NOW)
    assert latest.expires_at == NOW + timedelta(hours=24)
    naive = await create_payment_request(principal=partner, merchant_id=merchant.id, amount="1",
                                         expires_at=(NOW + timedelta(hours=1)).replace(tzinfo=None), now=NOW)
    assert naive.expires_at == NOW + timedelta(hours=1) and not naive.single_use


async def test_who_may_create_and_read_a_request(database_url):
    partner, other = await new_partner("pr-who"), await new_partner("pr-who-b")
    merchant = await merchant_of(partner)
    with pytest.raises(NotFound):
        await create_payment_request(principal=other, merchant_id=merchant.id)
    with pytest.raises(Forbidden):
        await create_payment_request(principal=staff("admin"), merchant_id=merchant.id)
    own_app = customer_token(partner, merchant.customer_id)
    request = await create_payment_request(principal=own_app, merchant_id=merchant.id, amount="5")
    stranger = customer_token(partner, (await business(partner)).customer_id)
    with pytest.raises(NotFound):
        await create_payment_request(principal=stranger, merchant_id=merchant.id)
    assert (await queries.get_payment_request(principal=partner, payment_request_id=request.id)).id == request.id
    assert (await queries.get_payment_request(principal=own_app, payment_request_id=request.id)).id == request.id
    assert (await queries.get_payment_request(principal=staff(), payment_request_id=request.id)).id == request.id
    for reader in (other, stranger):
        with pytest.raises(NotFound):
            await queries.get_payment_request(principal=reader, payment_request_id=request.id)
    with pytest.raises(NotFound):
        await queries.get_payment_request(principal=partner, payment_request_id=None)


async def test_a_suspended_merchant_or_frozen_settlement_wallet(database_url):
    partner, payer = await new_partner("pr-suspended"), await new_partner("pr-suspended-payer")
    merchant = await merchant_of(partner)
    request = await create_payment_request(principal=partner, merchant_id=merchant.id)
    await Wallet.filter(id=merchant.settlement_wallet_id).update(status=WalletStatus.FROZEN)
    with pytest.raises(MerchantNotActive):
        await preview_qr(principal=payer, payload=request.payload)
    await Wallet.filter(id=merchant.settlement_wallet_id).update(status=WalletStatus.ACTIVE)
    await suspend_merchant(principal=partner, merchant_id=merchant.id, reason="chargebacks")
    with pytest.raises(MerchantNotActive):
        await preview_qr(principal=payer, payload=request.payload)
    with pytest.raises(MerchantNotActive):
        await create_payment_request(principal=partner, merchant_id=merchant.id)


def _reason(error: pytest.ExceptionInfo) -> str:
    return error.value.message


async def test_codes_that_are_not_ours_or_not_as_issued_are_invalid(database_url):
    partner, payer = await new_partner("pr-invalid"), await new_partner("pr-invalid-payer")
    merchant = await merchant_of(partner)
    request = await create_payment_request(principal=partner, merchant_id=merchant.id, amount="8.00", single_use=True)
    payload = request.payload
    bad_crc = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    with pytest.raises(InvalidQrCode) as caught:
        await preview_qr(principal=payer, payload=bad_crc)
    assert "CRC" in _reason(caught) and caught.value.field == ["payload"]
    for garbage in ("", "hello", "x" * 600):
        with pytest.raises(InvalidQrCode):
            await preview_qr(principal=payer, payload=garbage)
    # Re-encoded with another amount (a valid CRC): not the code we issued.
    forged = emv_qr.encode(emv_qr.MerchantQr(
        merchant_request_id=request.id.hex, merchant_id=merchant.id.hex, mcc=merchant.mcc, currency_numeric="156",
        amount="0.01", country="CN", merchant_name=merchant.display_name, merchant_city=merchant.city,
        reference=None, dynamic=True,
    ))
    with pytest.raises(InvalidQrCode) as caught:
        await preview_qr(principal=payer, payload=forged)
    assert "UNKNOWN_PAYMENT_REQUEST" in _reason(caught)
    unknown = emv_qr.encode(emv_qr.MerchantQr(
        merchant_request_id=uuid.uuid4().hex, merchant_id=merchant.id.hex, mcc=merchant.mcc, currency_numeric="156",
        amount=None, country="CN", merchant_name=merchant.display_name, merchant_city=merchant.city,
        reference=None, dynamic=False,
    ))
    with pytest.raises(InvalidQrCode):
        await preview_qr(principal=payer, payload=unknown)


async def test_the_currency_must_be_the_settlement_wallet_currency(database_url):
    partner, payer = await new_partner("pr-currency"), await new_partner("pr-currency-payer")
    merchant = await merchant_of(partner)
    request = await create_payment_request(principal=partner, merchant_id=merchant.id)
    await PaymentRequest.filter(id=request.id).update(currency="USD")
    with pytest.raises(CurrencyMismatch):
        await preview_qr(principal=payer, payload=request.payload)


async def test_sandbox_and_live_codes_do_not_mix(database_url):
    partner = await new_partner("pr-live")
    merchant = await merchant_of(partner)
    request = await create_payment_request(principal=partner, merchant_id=merchant.id)
    created = await create_partner(name=f"pr-sandbox-{uuid.uuid4().hex[:6]}", environment=PartnerEnvironment.SANDBOX)
    sandbox = Principal(kind="partner", subject=created.client.client_id, partner_id=created.partner.id,
                        scopes=frozenset(PARTNER_SCOPES), environment=SANDBOX)
    with pytest.raises(InvalidQrCode):
        await preview_qr(principal=sandbox, payload=request.payload)
    # Bank staff preview any code (support looks at what a customer scanned).
    assert (await preview_qr(principal=staff(), payload=request.payload)).payment_request_id == request.id
    assert (await Merchant.get(id=merchant.id)).status == MerchantStatus.ACTIVE
