"""Foreign exchange over GraphQL: fxRateSet (treasury), fxRates, fxQuote and walletConvert."""

from __future__ import annotations

from typing import Any

from tests.api.staff_support import customer_session, staff  # noqa: F401 - the fixture
from tests.api.support import error_codes
from tests.factories import GraphQLClient, next_id

RATE_SET = ("mutation($input: FxRateSetInput!) { fxRateSet(input: $input) { rate { id baseCurrency quoteCurrency"
            " rate inverseRate source stale } userErrors { code field } } }")
RATES = "{ fxRates(first: 50) { nodes { id baseCurrency quoteCurrency rate stale } } }"
QUOTE = ("mutation($input: FxQuoteInput!) { fxQuote(input: $input) { quote { id sellAmount { amount currency }"
         " buyAmount { amount currency } midRate customerRate spreadBps spread { amount currency }"
         " fee { amount currency } expiresAt used partnerId customerId } userErrors { code field } } }")
CONVERT = ("mutation($input: WalletConvertInput!) { walletConvert(input: $input) { transaction { id kind dryRun"
           " amount { amount currency } fee { amount } buyAmount { amount currency } } quote { id used }"
           " userErrors { code field } } }")


async def set_rate(session: GraphQLClient, base: str, quote: str, rate: str) -> dict[str, Any]:
    """fxRateSet by a staff session with fx:write; the payload."""
    data = await session.ok(RATE_SET, {"input": {"baseCurrency": base, "quoteCurrency": quote, "rate": rate,
                                                 "source": "test"}})
    return data["fxRateSet"]


async def quote(session: GraphQLClient, sell: str, buy: str, **extra: Any) -> dict[str, Any]:
    """fxQuote; the payload."""
    return (await session.ok(QUOTE, {"input": {"sellCurrency": sell, "buyCurrency": buy, **extra}}))["fxQuote"]


async def fx_ids(a: GraphQLClient, admin: GraphQLClient, customer_id: str, wallet_id: str) -> dict[str, str]:
    """An FX rate (set by an admin) and a quote of A's CNY wallet, for tests/api/test_nodes.py."""
    rate = await set_rate(admin, "CNY", "USD", "0.138")
    given = await quote(a, "CNY", "USD", sellAmount="1.00", fromWalletId=wallet_id)
    assert rate["userErrors"] == [] and given["userErrors"] == [], (rate, given)
    return {"FxRate": rate["rate"]["id"], "FxQuote": given["quote"]["id"]}


async def _two_wallets(a: GraphQLClient, sell: str, buy: str, fund: str) -> tuple[str, str, str]:
    customer = await a.create_customer(country="US")
    sell_wallet = await a.open_wallet(sell, customer["id"])
    buy_wallet = await a.open_wallet(buy, customer["id"])
    assert (await a.top_up(sell_wallet["id"], fund))["userErrors"] == []
    return customer["id"], sell_wallet["id"], buy_wallet["id"]


async def test_treasury_sets_rates_and_everyone_reads_them(clients, staff):  # noqa: F811 - fixture
    treasury, support = await staff("treasury"), await staff("support")
    a = await clients.partner()
    payload = await set_rate(treasury, "usd", "JPY", "150.25")
    assert payload["userErrors"] == []
    assert {k: payload["rate"][k] for k in ("baseCurrency", "quoteCurrency", "rate", "inverseRate", "stale")} == {
        "baseCurrency": "USD", "quoteCurrency": "JPY", "rate": "150.25", "inverseRate": "0.006655574", "stale": False}
    refused = await support.gql(RATE_SET, {"input": {"baseCurrency": "USD", "quoteCurrency": "JPY", "rate": "1",
                                                     "source": "x"}})
    assert error_codes(refused) == ["FORBIDDEN"]
    assert error_codes(await a.gql(RATE_SET, {"input": {"baseCurrency": "USD", "quoteCurrency": "JPY", "rate": "1",
                                                        "source": "x"}})) == ["FORBIDDEN"]
    bad = await set_rate(treasury, "USD", "JPY", "1.0000000001")
    assert bad["rate"] is None and bad["userErrors"] == [{"code": "VALIDATION", "field": ["rate"]}]
    same = await set_rate(treasury, "USD", "usd", "1")
    assert same["userErrors"][0]["code"] == "SAME_CURRENCY"
    for reader in (a, support):
        nodes = (await reader.ok(RATES))["fxRates"]["nodes"]
        assert any(n["id"] == payload["rate"]["id"] and n["rate"] == "150.25" for n in nodes)


async def test_a_partner_quotes_and_converts_between_one_customers_wallets(clients, staff):  # noqa: F811
    admin, a = await staff("admin"), await clients.partner()
    await set_rate(admin, "USD", "JPY", "150.25")
    fee_rule = await admin.ok(
        "mutation($input: FeeRuleInput!) { feeRuleCreate(input: $input) { rule { id kind } userErrors { code } } }",
        {"input": {"kind": "FX", "partnerId": (await a.ok("{ viewer { partner { id } } }"))["viewer"]["partner"]["id"],
                   "currency": "USD", "rateBps": 50, "fixed": "1.00"}})
    assert fee_rule["feeRuleCreate"]["userErrors"] == [] and fee_rule["feeRuleCreate"]["rule"]["kind"] == "FX"
    _, usd, jpy = await _two_wallets(a, "USD", "JPY", "500.00")
    given = await quote(a, "USD", "JPY", sellAmount="100.00", fromWalletId=usd)
    assert given["userErrors"] == []
    q = given["quote"]
    assert (q["midRate"], q["customerRate"], q["spreadBps"]) == ("150.25", "149.49875", 50)
    assert (q["buyAmount"], q["spread"], q["fee"]) == ({"amount": "14949", "currency": "JPY"},
                                                       {"amount": "76", "currency": "JPY"},
                                                       {"amount": "1.00", "currency": "USD"})
    inputs = {"quoteId": q["id"], "fromWalletId": usd, "toWalletId": jpy, "idempotencyKey": next_id("fx")}
    dry = (await a.ok(CONVERT, {"input": {**inputs, "dryRun": True}}))["walletConvert"]
    assert dry["transaction"]["dryRun"] and dry["quote"]["used"] is False
    done = (await a.ok(CONVERT, {"input": inputs}))["walletConvert"]
    assert done["userErrors"] == []
    txn = done["transaction"]
    assert (txn["kind"], txn["amount"], txn["fee"]["amount"], txn["buyAmount"]) == (
        "FX_CONVERSION", {"amount": "100.00", "currency": "USD"}, "1.00", {"amount": "14949", "currency": "JPY"})
    assert done["quote"]["used"] is True
    assert await a.balance(usd) == "399.00" and await a.balance(jpy) == "14949"
    again = (await a.ok(CONVERT, {"input": {**inputs, "idempotencyKey": next_id("fx")}}))["walletConvert"]
    assert again["transaction"] is None and again["userErrors"] == [{"code": "QUOTE_ALREADY_USED", "field": ["quoteId"]}]
    events = await a.ok('{ events(first: 20, types: ["transaction.posted"]) { nodes { data { transactionId kind'
                        ' buyAmount { amount currency } } } } }')
    data = [n["data"] for n in events["events"]["nodes"] if n["data"]["transactionId"] == txn["id"]]
    assert data == [{"transactionId": txn["id"], "kind": "FX_CONVERSION",
                     "buyAmount": {"amount": "14949", "currency": "JPY"}}]


async def test_refusals_come_back_as_user_errors(clients, staff):  # noqa: F811
    admin, a, b = await staff("admin"), await clients.partner(), await clients.partner()
    assert (await quote(a, "USD", "USD", sellAmount="1"))["userErrors"][0]["code"] == "SAME_CURRENCY"
    assert (await quote(a, "USD", "THB", sellAmount="1"))["userErrors"][0]["code"] == "RATE_UNAVAILABLE"
    await set_rate(admin, "EUR", "USD", "1.1")
    _, eur, usd = await _two_wallets(a, "EUR", "USD", "10.00")
    given = (await quote(a, "EUR", "USD", sellAmount="5.00"))["quote"]
    # Another partner cannot use it (NOT_FOUND), nor convert A's wallets.
    _, b_eur, b_usd = await _two_wallets(b, "EUR", "USD", "10.00")
    foreign = (await b.ok(CONVERT, {"input": {"quoteId": given["id"], "fromWalletId": b_eur, "toWalletId": b_usd,
                                              "idempotencyKey": next_id("fx")}}))["walletConvert"]
    assert foreign["userErrors"][0]["code"] == "NOT_FOUND"
    # Another customer of A: wallets of two customers are QUOTE_MISMATCH.
    _, _, other_usd = await _two_wallets(a, "EUR", "USD", "1.00")
    mixed = (await a.ok(CONVERT, {"input": {"quoteId": given["id"], "fromWalletId": eur, "toWalletId": other_usd,
                                            "idempotencyKey": next_id("fx")}}))["walletConvert"]
    assert mixed["userErrors"][0]["code"] == "QUOTE_MISMATCH"
    assert await a.balance(eur) == "10.00"


async def test_a_customer_token_quotes_and_converts_its_own_wallets(clients, staff):  # noqa: F811
    admin, a = await staff("admin"), await clients.partner()
    await set_rate(admin, "USD", "EUR", "0.9")
    customer_id, usd, eur = await _two_wallets(a, "USD", "EUR", "20.00")
    frontend = await customer_session(a, customer_id, ["transactions:write", "wallets:read"])
    given = (await quote(frontend, "USD", "EUR", buyAmount="9.00"))["quote"]
    assert given["sellAmount"] == {"amount": "10.00", "currency": "USD"} and given["customerId"] == customer_id
    done = (await frontend.ok(CONVERT, {"input": {"quoteId": given["id"], "fromWalletId": usd, "toWalletId": eur,
                                                  "idempotencyKey": "mine"}}))["walletConvert"]
    assert done["userErrors"] == [] and done["transaction"]["buyAmount"]["amount"] == "9.00"
    # The customer's quote is not another customer's to use, even through the partner.
    other_id, other_usd, other_eur = await _two_wallets(a, "USD", "EUR", "20.00")
    theirs = (await quote(frontend, "USD", "EUR", sellAmount="1.00"))["quote"]
    refused = (await a.ok(CONVERT, {"input": {"quoteId": theirs["id"], "fromWalletId": other_usd,
                                              "toWalletId": other_eur, "idempotencyKey": next_id("fx")}}))
    assert refused["walletConvert"]["userErrors"][0]["code"] == "QUOTE_MISMATCH" and other_id


async def test_fee_quote_refuses_the_fx_kind(clients):
    a = await clients.partner()
    body = await a.gql("query($input: FeeQuoteInput!) { feeQuote(input: $input) { fee { amount } } }",
                       {"input": {"kind": "FX", "amount": "10.00", "currency": "USD"}})
    assert error_codes(body) == ["VALIDATION"]
