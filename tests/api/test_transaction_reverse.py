"""transactionReverse: bank admin or compliance undo a posted transaction, exactly once, fee given back, audited."""

from __future__ import annotations

from models import AuditEvent, DomainEvent
from services.ledger.verify import verify_ledger
from tests.api.payment_support import pay, shop_and_payer
from tests.api.staff_support import StaffFactory, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid
from tests.factories import ApiClientFactory

REVERSE = ("mutation($input: TransactionReverseInput!) { transactionReverse(input: $input) {"
           " transaction { id kind status amount { amount } } userErrors { code field message } } }")


def codes(payload: dict) -> list[str]:
    """The userErrors codes of a payload."""
    return [e["code"] for e in payload["userErrors"]]


async def _reverse(client, transaction_id: str, reason: str = "sent to the wrong wallet") -> dict:
    """transactionReverse; the payload."""
    return (await client.ok(REVERSE, {"input": {"transactionId": transaction_id, "reason": reason}}))["transactionReverse"]


async def test_a_transfer_is_reversed_once_and_the_reversal_cannot_be(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    one, two = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(one["id"], "100.00"))["userErrors"] == []
    moved = (await partner.transfer(one["id"], two["id"], "30.00"))["transaction"]
    compliance = await staff("compliance")
    reversed_ = await _reverse(compliance, moved["id"])
    assert codes(reversed_) == []
    reversal = reversed_["transaction"]
    assert (reversal["kind"], reversal["status"], reversal["amount"]["amount"]) == ("REVERSAL", "POSTED", "30.00")
    assert await partner.balance(one["id"]) == "100.00" and await partner.balance(two["id"]) == "0.00"
    again = await _reverse(await staff("admin"), moved["id"])
    assert codes(again) == ["NOT_REVERSIBLE"]
    assert codes(await _reverse(compliance, reversal["id"])) == ["NOT_REVERSIBLE"]
    event = await DomainEvent.filter(type="transaction.reversed", object_id=str(object_uuid(moved["id"]))).get()
    assert event.payload == {"transactionId": str(object_uuid(moved["id"])), "reversalId": str(object_uuid(reversal["id"]))}
    assert await AuditEvent.filter(operation="transactionReverse", outcome="OK").exists()
    # The partner sees the reversal as its own transaction.
    seen = (await partner.ok("query($id: ID!) { transaction(id: $id) { kind } }", {"id": reversal["id"]}))["transaction"]
    assert seen == {"kind": "REVERSAL"}
    assert (await verify_ledger()).ok


async def test_money_already_spent_cannot_be_taken_back_and_others_may_not_try(
        clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    partner = await clients.partner()
    one, two, three = await partner.open_wallet("CNY"), await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(one["id"], "50.00"))["userErrors"] == []
    moved = (await partner.transfer(one["id"], two["id"], "50.00"))["transaction"]
    assert (await partner.transfer(two["id"], three["id"], "20.00"))["userErrors"] == []
    compliance = await staff("compliance")
    assert codes(await _reverse(compliance, moved["id"])) == ["INSUFFICIENT_FUNDS"]
    assert codes(await _reverse(compliance, moved["id"], reason="no")) == ["VALIDATION"]
    support = await staff("support")
    assert error_codes(await support.gql(REVERSE, {"input": {"transactionId": moved["id"], "reason": "try"}})) == ["FORBIDDEN"]
    assert error_codes(await partner.gql(REVERSE, {"input": {"transactionId": moved["id"], "reason": "try"}})) == ["FORBIDDEN"]
    assert await partner.balance(two["id"]) == "30.00"


async def test_a_payment_to_another_partners_merchant_is_reversed(clients: ApiClientFactory, staff: StaffFactory):  # noqa: F811
    shop, bank = await clients.partner(), await clients.partner()
    merchant, request, wallet = await shop_and_payer(shop, bank, amount="12.00", singleUse=True)
    paid = (await pay(bank, wallet, "rev-pay", qrPayload=request["payload"]))["payment"]
    assert codes(await _reverse(await staff("admin"), paid["transactionId"])) == []
    assert await bank.balance(wallet) == "500.00" and await shop.balance(merchant["settlementWalletId"]) == "0.00"
    assert (await verify_ledger()).ok
