"""Payment authorisations through the API: reserve, capture in parts, void, expire; nothing moves twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services import clock
from services.ledger.verify import verify_ledger
from services.payments.authorizations import expire_due
from tests.api.payment_support import authorize, available, capture, shop_and_payer, void


def codes(payload: dict) -> list[str]:
    """The userErrors codes of a payload."""
    return [e["code"] for e in payload["userErrors"]]


async def test_reserve_capture_in_parts_and_release_the_rest(clients):
    shop, bank = await clients.partner(), await clients.partner()
    merchant, _, wallet = await shop_and_payer(shop, bank, balance="100.00")
    created = await authorize(bank, wallet, merchant["id"], "60.00", "auth-1")
    assert codes(created) == []
    auth = created["authorization"]
    assert (auth["status"], auth["remaining"]["amount"]) == ("ACTIVE", "60.00")
    assert await available(bank, wallet) == "40.00" and await bank.balance(wallet) == "100.00"
    # The reservation is out of reach of anything else.
    assert codes(await bank.transfer(wallet, (await bank.open_wallet("CNY"))["id"], "40.01")) == ["INSUFFICIENT_FUNDS"]
    assert codes(await capture(shop, auth["id"], "25.00", "cap-1")) == []
    assert await bank.balance(wallet) == "75.00" and await available(bank, wallet) == "40.00"
    assert codes(await capture(shop, auth["id"], "35.01", "cap-2")) == ["AUTHORIZATION_NOT_ACTIVE"]
    final = await capture(shop, auth["id"], "10.00", "cap-3", final=True)
    assert codes(final) == [] and final["payment"]["amount"]["amount"] == "10.00"
    assert await bank.balance(wallet) == "65.00" and await available(bank, wallet) == "65.00"
    assert codes(await capture(shop, auth["id"], "1.00", "cap-4")) == ["AUTHORIZATION_NOT_ACTIVE"]
    assert await shop.balance(merchant["settlementWalletId"]) == "35.00"
    # A retried capture answers the original payment, whatever the authorisation is now.
    again = await capture(shop, auth["id"], "10.00", "cap-3", final=True)
    assert codes(again) == [] and again["payment"]["id"] == final["payment"]["id"]
    assert (await verify_ledger()).ok


async def test_void_and_expiry_give_the_rest_back_once(clients):
    shop, bank = await clients.partner(), await clients.partner()
    merchant, _, wallet = await shop_and_payer(shop, bank, balance="50.00")
    voided = (await authorize(bank, wallet, merchant["id"], "20.00", "auth-v"))["authorization"]
    assert codes(await capture(shop, voided["id"], "5.00", "cap-v")) == []
    after_void = await void(bank, voided["id"])
    assert codes(after_void) == [] and after_void["authorization"]["status"] == "VOIDED"
    assert codes(await void(shop, voided["id"])) == ["AUTHORIZATION_NOT_ACTIVE"]
    assert await available(bank, wallet) == "45.00"
    soon = datetime.now(timezone.utc) + timedelta(minutes=5)
    expiring = (await authorize(bank, wallet, merchant["id"], "30.00", "auth-e", expiresAt=soon.isoformat()))["authorization"]
    assert await available(bank, wallet) == "15.00"
    with clock.frozen_at(soon + timedelta(seconds=1)):
        assert await expire_due() >= 1
        assert codes(await capture(shop, expiring["id"], "1.00", "cap-e")) == ["AUTHORIZATION_NOT_ACTIVE"]
    assert await available(bank, wallet) == "45.00"
    assert (await verify_ledger()).ok


async def test_bad_input_reserves_nothing(clients):
    shop, bank = await clients.partner(), await clients.partner()
    merchant, _, wallet = await shop_and_payer(shop, bank, balance="10.00")
    assert codes(await authorize(bank, wallet, merchant["id"], "10.01", "bad-1")) == ["INSUFFICIENT_FUNDS"]
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    assert codes(await authorize(bank, wallet, merchant["id"], "1.00", "bad-2", expiresAt=past)) == ["VALIDATION"]
    other = await clients.partner()
    assert codes(await authorize(other, wallet, merchant["id"], "1.00", "bad-3")) == ["NOT_FOUND"]
    dry = await authorize(bank, wallet, merchant["id"], "5.00", "bad-4", dryRun=True)
    assert codes(dry) == [] and dry["authorization"]["dryRun"] is True
    assert await available(bank, wallet) == "10.00"
    real = (await authorize(bank, wallet, merchant["id"], "5.00", "bad-5"))["authorization"]
    assert codes(await capture(bank, real["id"], "1.00", "bad-6")) == ["NOT_FOUND"]  # the payer's partner cannot capture
    assert codes(await authorize(bank, wallet, merchant["id"], "6.00", "bad-5")) == ["IDEMPOTENCY_CONFLICT"]
