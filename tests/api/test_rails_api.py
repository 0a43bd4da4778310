"""walletTopUp and withdrawalCreate through a linked bank account or card: HELD, then settled by the rail, over GraphQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import RailTransfer
from services import clock
from services.rails import registry
from services.rails.config import SimulatedRailSettings
from services.rails.jobs import run_rail_jobs
from services.rails.simulated import SimulatedRail
from tests.factories import ApiClientFactory, GraphQLClient

LINK = ("mutation($input: BankAccountLinkInput!) { bankAccountLink(input: $input) { bankAccount { id status }"
        " userErrors { code } } }")
CARD = "mutation($input: CardLinkInput!) { cardLink(input: $input) { card { id } userErrors { code } } }"
MOVED = ("transaction { id status fee { amount } railTransfer { id direction status sourceKind amount { amount }"
         " transactionId } } userErrors { code field }")
TOP_UP = f"mutation($input: WalletTopUpInput!) {{ walletTopUp(input: $input) {{ {MOVED} }} }}"
WITHDRAW = f"mutation($input: WithdrawalCreateInput!) {{ withdrawalCreate(input: $input) {{ {MOVED} }} }}"
WALLET = "query($id: ID!) { wallet(id: $id) { balance { amount } availableBalance { amount } } }"
TRANSACTION = "query($id: ID!) { transaction(id: $id) { status railTransfer { status } } }"


@pytest.fixture(autouse=True)
def instant_rail():
    registry.reset()
    registry.register(SimulatedRail("simulated", SimulatedRailSettings(latency_s=0)))
    yield
    registry.reset()


async def customer_with_sources(partner: GraphQLClient) -> tuple[str, str, str, str]:
    """A CN customer with a CNY wallet, a VERIFIED bank account and a card; (customer, wallet, account, card) IDs."""
    customer = await partner.create_customer()
    wallet = await partner.open_wallet("CNY", customer["id"])
    linked = (await partner.ok(LINK, {"input": {
        "customerId": customer["id"], "country": "CN", "bankCode": "102100099996", "accountNumber": "6222021234567890",
        "holderName": "Test Customer", "method": "INSTANT"}}))["bankAccountLink"]
    assert linked["userErrors"] == [] and linked["bankAccount"]["status"] == "VERIFIED", linked
    card = (await partner.ok(CARD, {"input": {
        "customerId": customer["id"], "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099,
        "holderName": "Test Customer"}}))["cardLink"]
    assert card["userErrors"] == [], card
    return customer["id"], wallet["id"], linked["bankAccount"]["id"], card["card"]["id"]


async def money(partner: GraphQLClient, wallet_id: str) -> tuple[str, str]:
    data = (await partner.ok(WALLET, {"id": wallet_id}))["wallet"]
    return data["balance"]["amount"], data["availableBalance"]["amount"]


async def test_top_ups_and_a_withdrawal_through_the_rail_are_held_then_settled(clients: ApiClientFactory):
    partner = await clients.partner()
    _, wallet, account, card = await customer_with_sources(partner)
    topped = (await partner.ok(TOP_UP, {"input": {"walletId": wallet, "amount": "50.00", "idempotencyKey": "rt-1",
                                                  "bankAccountId": account}}))["walletTopUp"]
    assert topped["userErrors"] == []
    held = topped["transaction"]
    assert (held["status"], held["railTransfer"]["status"], held["railTransfer"]["direction"],
            held["railTransfer"]["sourceKind"]) == ("HELD", "SUBMITTING", "IN", "BANK_ACCOUNT")
    assert held["railTransfer"]["transactionId"] == held["id"]
    assert await money(partner, wallet) == ("0.00", "0.00")  # nothing arrives before the rail settles
    by_card = (await partner.ok(TOP_UP, {"input": {"walletId": wallet, "amount": "10.00", "idempotencyKey": "rt-2",
                                                   "cardId": card}}))["walletTopUp"]
    assert by_card["userErrors"] == [] and by_card["transaction"]["railTransfer"]["sourceKind"] == "CARD"
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    assert await money(partner, wallet) == ("60.00", "60.00")
    seen = (await partner.ok(TRANSACTION, {"id": held["id"]}))["transaction"]
    assert seen == {"status": "POSTED", "railTransfer": {"status": "SETTLED"}}

    out = (await partner.ok(WITHDRAW, {"input": {"walletId": wallet, "amount": "20.00", "idempotencyKey": "rt-3",
                                                 "bankAccountId": account}}))["withdrawalCreate"]
    assert out["userErrors"] == [] and out["transaction"]["status"] == "HELD"
    assert await money(partner, wallet) == ("60.00", "40.00")  # reserved at once
    again = (await partner.ok(WITHDRAW, {"input": {"walletId": wallet, "amount": "20.00", "idempotencyKey": "rt-3",
                                                   "bankAccountId": account}}))["withdrawalCreate"]
    assert again["transaction"]["id"] == out["transaction"]["id"]  # a retry is the same withdrawal
    assert await RailTransfer.filter(partner_id=partner.partner_id).count() == 3  # the retry made no second one
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    await run_rail_jobs(now=clock.now() + timedelta(seconds=1))
    assert await money(partner, wallet) == ("40.00", "40.00")


async def test_bad_sources_move_nothing(clients: ApiClientFactory):
    partner, other = await clients.partner(), await clients.partner()
    _, wallet, account, card = await customer_with_sources(partner)
    _, _, foreign_account, _ = await customer_with_sources(other)
    assert (await partner.top_up(wallet, "30.00"))["userErrors"] == []
    unverified = (await partner.ok(LINK, {"input": {
        "customerId": (await partner.create_customer())["id"], "country": "CN", "bankCode": "102100099996",
        "accountNumber": "6222021234567891", "holderName": "Test Customer"}}))["bankAccountLink"]["bankAccount"]["id"]
    cases = [
        (TOP_UP, "walletTopUp", {"bankAccountId": account, "cardId": card}, "VALIDATION"),
        (TOP_UP, "walletTopUp", {"bankAccountId": foreign_account}, "NOT_FOUND"),
        (WITHDRAW, "withdrawalCreate", {"bankAccountId": unverified}, "FUNDING_SOURCE_NOT_USABLE"),
        (WITHDRAW, "withdrawalCreate", {"bankAccountId": account, "amount": "30.01"}, "INSUFFICIENT_FUNDS"),
        (WITHDRAW, "withdrawalCreate", {"bankAccountId": "bm90LWFuLWlk"}, "NOT_FOUND"),
    ]
    for n, (document, name, extra, code) in enumerate(cases):
        body = {"walletId": wallet, "amount": "5.00", "idempotencyKey": f"bad-{n}", **extra}
        payload = (await partner.ok(document, {"input": body}))[name]
        assert ([e["code"] for e in payload["userErrors"]], payload["transaction"]) == ([code], None), (extra, payload)
    dry = (await partner.ok(WITHDRAW, {"input": {"walletId": wallet, "amount": "5.00", "idempotencyKey": "dry",
                                                 "bankAccountId": account, "dryRun": True}}))["withdrawalCreate"]
    assert dry["userErrors"] == [] and dry["transaction"]["railTransfer"] is None
    assert await money(partner, wallet) == ("30.00", "30.00")
    assert await RailTransfer.filter(partner_id=partner.partner_id).count() == 0
