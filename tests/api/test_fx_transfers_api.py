"""transferCreate to a wallet in another currency over GraphQL: quoteId, QUOTE_REQUIRED, QUOTE_MISMATCH, buyAmount."""

from __future__ import annotations

from typing import Any

from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.test_fx_api import quote, set_rate
from tests.factories import GraphQLClient, next_id

TRANSFER = ("mutation($input: TransferCreateInput!) { transferCreate(input: $input) { transaction { id kind status"
            " dryRun amount { amount currency } fee { amount currency } buyAmount { amount currency } }"
            " userErrors { code field } } }")


async def _wallet(a: GraphQLClient, currency: str, fund: str | None = None) -> tuple[str, str]:
    """A new US customer of A with one wallet (funded if fund); (customer id, wallet id)."""
    customer = await a.create_customer(country="US")
    wallet = await a.open_wallet(currency, customer["id"])
    if fund is not None:
        assert (await a.top_up(wallet["id"], fund))["userErrors"] == []
    return customer["id"], wallet["id"]


async def _transfer(session: GraphQLClient, **fields: Any) -> dict[str, Any]:
    return (await session.ok(TRANSFER, {"input": {"idempotencyKey": next_id("fxt"), **fields}}))["transferCreate"]


async def test_a_cross_currency_transfer_needs_a_quote_and_pays_the_quoted_buy_amount(clients, staff):  # noqa: F811
    admin, a = await staff("admin"), await clients.partner()
    await set_rate(admin, "USD", "JPY", "150")
    sender_id, usd = await _wallet(a, "USD", "500.00")
    _, jpy = await _wallet(a, "JPY")
    _, other_usd = await _wallet(a, "USD")
    required = await _transfer(a, fromWalletId=usd, toWalletId=jpy, amount="100.00")
    assert required == {"transaction": None, "userErrors": [{"code": "QUOTE_REQUIRED", "field": ["quoteId"]}]}
    given = (await quote(a, "USD", "JPY", sellAmount="100.00", fromWalletId=usd))["quote"]
    same = await _transfer(a, fromWalletId=usd, toWalletId=other_usd, amount="100.00", quoteId=given["id"])
    assert same["userErrors"] == [{"code": "QUOTE_MISMATCH", "field": ["quoteId"]}]
    other_amount = await _transfer(a, fromWalletId=usd, toWalletId=jpy, amount="99.00", quoteId=given["id"])
    assert other_amount["userErrors"] == [{"code": "QUOTE_MISMATCH", "field": ["amount"]}]
    unknown = await _transfer(a, fromWalletId=usd, toWalletId=jpy, amount="100.00", quoteId="bm90LWEtcXVvdGU=")
    assert unknown["userErrors"] == [{"code": "NOT_FOUND", "field": ["quoteId"]}]
    assert await a.balance(usd) == "500.00" and await a.balance(jpy) == "0"
    key = next_id("fxt")
    inputs = {"fromWalletId": usd, "toWalletId": jpy, "amount": "100.00", "quoteId": given["id"], "idempotencyKey": key}
    dry = (await a.ok(TRANSFER, {"input": {**inputs, "dryRun": True}}))["transferCreate"]
    assert dry["userErrors"] == [] and dry["transaction"]["dryRun"] is True
    done = (await a.ok(TRANSFER, {"input": inputs}))["transferCreate"]
    assert done["userErrors"] == []
    txn = done["transaction"]
    assert (txn["kind"], txn["status"], txn["amount"], txn["buyAmount"]) == (
        "TRANSFER", "POSTED", {"amount": "100.00", "currency": "USD"}, {"amount": "15000", "currency": "JPY"})
    assert await a.balance(usd) == "400.00" and await a.balance(jpy) == "15000"
    replay = (await a.ok(TRANSFER, {"input": inputs}))["transferCreate"]
    assert replay["transaction"]["id"] == txn["id"] and await a.balance(jpy) == "15000"
    used = await _transfer(a, fromWalletId=usd, toWalletId=jpy, amount="100.00", quoteId=given["id"])
    assert used["userErrors"] == [{"code": "QUOTE_ALREADY_USED", "field": ["quoteId"]}]
    events = await a.ok('{ events(first: 50, types: ["transaction.posted"]) { nodes { data { transactionId kind'
                        ' buyAmount { amount currency } } } } }')
    data = [n["data"] for n in events["events"]["nodes"] if n["data"]["transactionId"] == txn["id"]]
    assert data == [{"transactionId": txn["id"], "kind": "TRANSFER", "buyAmount": {"amount": "15000", "currency": "JPY"}}]
    assert sender_id


async def test_a_customer_token_sends_to_someone_elses_wallet_with_its_own_quote(clients, staff):  # noqa: F811
    admin, a = await staff("admin"), await clients.partner()
    await set_rate(admin, "EUR", "USD", "1.1")
    sender_id, eur = await _wallet(a, "EUR", "50.00")
    _, usd = await _wallet(a, "USD")
    frontend = await customer_session(a, sender_id, ["transactions:write", "wallets:read"])
    # fxQuote for a transfer names only the paying wallet: the receiver's is not needed.
    given = (await quote(frontend, "EUR", "USD", sellAmount="10.00", fromWalletId=eur))["quote"]
    assert given["customerId"] == sender_id
    done = await _transfer(frontend, fromWalletId=eur, toWalletId=usd, amount="10.00", quoteId=given["id"])
    assert done["userErrors"] == [] and done["transaction"]["buyAmount"] == {"amount": "11.00", "currency": "USD"}
    # The customer's quote is not another customer's to use, even through the partner.
    other_id, other_eur = await _wallet(a, "EUR", "50.00")
    theirs = (await quote(frontend, "EUR", "USD", sellAmount="1.00"))["quote"]
    refused = await _transfer(a, fromWalletId=other_eur, toWalletId=usd, amount="1.00", quoteId=theirs["id"])
    assert refused["userErrors"][0]["code"] == "QUOTE_MISMATCH" and other_id
    assert await a.balance(other_eur) == "50.00" and await a.balance(usd) == "11.00"
