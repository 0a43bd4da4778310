"""A payment held by the AML rules: released, it succeeds then; rejected, it fails and its code is payable again."""

from __future__ import annotations

from models import DomainEvent, Payment, PaymentRequest
from services.payment_requests.creation import create_payment_request
from services.payments.held_outcomes import after_held_decision
from services.payments.paying import pay
from tests.integration.aml_support import alerts, new_scene, resolve
from tests.integration.merchant_support import business, merchant_of


async def _held_payment(name: str):
    """A FO payer's 10,000.00 EUR payment of a single-use code, HELD by LARGE_TRANSACTION; (request, payment, alert)."""
    scene = await new_scene("FO")
    payer = await scene.party(fund=["9999.99", "9999.99"])
    merchant = await merchant_of(scene.principal, await business(scene.principal, currency="EUR"))
    request = await create_payment_request(principal=scene.principal, merchant_id=merchant.id, amount="10000.00",
                                           single_use=True)
    payment = await pay(principal=scene.principal, from_wallet_id=payer.wallet_id, qr_payload=request.payload,
                        amount=None, idempotency_key=f"{name}-pay")
    assert payment.status.value == "HELD"
    assert not await DomainEvent.filter(type="payment.succeeded", object_id=str(payment.id)).exists()
    return request, payment, (await alerts(scene))[0]


async def test_a_rejected_held_payment_fails_and_its_single_use_code_is_payable_again(database_url):
    request, payment, alert = await _held_payment("held-reject")
    assert (await PaymentRequest.get(id=request.id)).paid_at is not None  # claimed while held
    await resolve(alert["id"], "REJECT")
    assert (await PaymentRequest.get(id=request.id)).paid_at is None
    failed = await DomainEvent.filter(type="payment.failed", object_id=str(payment.id)).values_list("partner_id", flat=True)
    assert len(failed) >= 1 and await Payment.filter(id=payment.id).exists()


async def test_a_released_held_payment_succeeds_then(database_url):
    request, payment, alert = await _held_payment("held-release")
    await resolve(alert["id"], "RELEASE")
    assert await DomainEvent.filter(type="payment.succeeded", object_id=str(payment.id)).exists()
    assert await DomainEvent.filter(type="payment_request.paid", object_id=str(request.id)).exists()
    assert (await PaymentRequest.get(id=request.id)).paid_at is not None


async def test_a_decision_on_anything_but_a_payment_writes_nothing_more(database_url):
    """after_held_decision is a no-op for a transaction that made no payment."""
    import uuid

    from tortoise import connections

    before = await DomainEvent.all().count()
    await after_held_decision(connections.get("default"), uuid.uuid4(), "REJECT")
    assert await DomainEvent.all().count() == before
