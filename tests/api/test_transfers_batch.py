"""transfersCreate through GraphQL: each item its own posting and result, a refused item leaves the others posted,
a retried batch replays, a malformed batch moves nothing."""

from __future__ import annotations

from tests.api.support import error_codes, ledger_counts
from tests.factories import next_id

BATCH = """mutation($input: TransfersCreateInput!) { transfersCreate(input: $input) {
  results { index transaction { id status amount { amount } fee { amount } } userErrors { code field } }
  userErrors { code message field } } }"""


def _item(source: str, target: str, amount: str, key: str | None = None) -> dict:
    return {"fromWalletId": source, "toWalletId": target, "amount": amount, "idempotencyKey": key or next_id("batch")}


async def _setup(clients):  # noqa: ANN001
    partner = await clients.partner()
    payer = await partner.open_wallet(customer_id=(await partner.create_customer())["id"])
    one = await partner.open_wallet(customer_id=(await partner.create_customer())["id"])
    two = await partner.open_wallet(customer_id=(await partner.create_customer())["id"])
    await partner.top_up(payer["id"], "100.00")
    return partner, payer["id"], one["id"], two["id"]


async def test_each_item_posts_or_is_refused_on_its_own_and_a_retry_replays(clients):
    partner, payer, one, two = await _setup(clients)
    items = [_item(payer, one, "30.00"), _item(payer, two, "500.00"), _item(payer, two, "20.00")]
    body = await partner.ok(BATCH, {"input": {"transfers": items}})
    payload = body["transfersCreate"]
    assert payload["userErrors"] == []
    results = payload["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert results[0]["transaction"]["status"] == "POSTED" and results[2]["transaction"]["status"] == "POSTED"
    assert results[1]["transaction"] is None and [e["code"] for e in results[1]["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert await partner.balance(one) == "30.00" and await partner.balance(two) == "20.00"
    spent = sum(float(results[i]["transaction"]["fee"]["amount"]) for i in (0, 2))
    assert abs(float(await partner.balance(payer)) - (50.00 - spent)) < 0.001
    before = await ledger_counts(partner)
    again = (await partner.ok(BATCH, {"input": {"transfers": items}}))["transfersCreate"]["results"]
    assert [r["transaction"] and r["transaction"]["id"] for r in again] == [r["transaction"] and r["transaction"]["id"]
                                                                            for r in results]
    assert await ledger_counts(partner) == before  # replayed: nothing new


async def test_a_malformed_batch_moves_nothing(clients):
    partner, payer, one, _ = await _setup(clients)
    before = await ledger_counts(partner)
    twice = _item(payer, one, "1.00", key="same-key")
    for transfers, field in (([], ["transfers"]), ([_item(payer, one, "1.00") for _ in range(101)], ["transfers"]),
                             ([twice, _item(payer, one, "2.00"), dict(twice)], ["transfers", "2", "idempotencyKey"])):
        payload = (await partner.ok(BATCH, {"input": {"transfers": transfers}}))["transfersCreate"]
        assert payload["results"] == [] and [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", field)]
    assert await ledger_counts(partner) == before


async def test_a_batch_is_one_money_mutation_of_its_request(clients):
    partner, payer, one, _ = await _setup(clients)
    both = ("mutation($a: TransfersCreateInput!, $b: TransferCreateInput!) { transfersCreate(input: $a) { userErrors { code } }"
            " transferCreate(input: $b) { userErrors { code } } }")
    response = await partner.raw(both, {"a": {"transfers": [_item(payer, one, "1.00")]}, "b": _item(payer, one, "1.00")})
    assert response.status_code == 400 and error_codes(response.json()) == ["BAD_REQUEST"]


async def test_a_batch_pays_one_rate_limit_token_per_item(clients, database_url):
    from tests.api.app_instances import app_instance, on

    partner, payer, one, two = await _setup(clients)
    before = await ledger_counts(partner)
    async with app_instance(database_url, rate_limit_rps=1, rate_limit_burst=5) as http:
        limited = on(partner, http)
        too_many = [_item(payer, one, "0.10") for _ in range(6)]  # 6 tokens: more than the bucket holds
        payload = (await limited.ok(BATCH, {"input": {"transfers": too_many}}))["transfersCreate"]
        assert payload["results"] == [] and [e["code"] for e in payload["userErrors"]] == ["RATE_LIMITED"]
        assert await ledger_counts(partner) == before  # refused whole: nothing ran
    async with app_instance(database_url, rate_limit_rps=1, rate_limit_burst=5) as http:
        fits = [_item(payer, two, "0.10") for _ in range(5)]
        payload = (await on(partner, http).ok(BATCH, {"input": {"transfers": fits}}))["transfersCreate"]
        assert payload["userErrors"] == [] and all(r["transaction"] for r in payload["results"])


async def test_an_atomic_batch_posts_everything_or_nothing(clients):
    partner, payer, one, two = await _setup(clients)
    before = await ledger_counts(partner)
    # one -> two spends what payer -> one brings: inside the batch, each item sees the ones before it.
    items = [_item(payer, one, "30.00"), _item(one, two, "20.00"), _item(payer, two, "500.00")]
    payload = (await partner.ok(BATCH, {"input": {"transfers": items, "atomic": True}}))["transfersCreate"]
    assert payload["userErrors"] == []
    assert [([e["code"] for e in r["userErrors"]], r["transaction"]) for r in payload["results"]] == [
        (["BATCH_ABORTED"], None), (["BATCH_ABORTED"], None), (["INSUFFICIENT_FUNDS"], None)]
    assert payload["results"][0]["userErrors"][0]["field"] == ["transfers", "0"]
    assert await ledger_counts(partner) == before  # nothing moved, no key used
    assert await partner.balance(one) == "0.00" and await partner.balance(two) == "0.00"

    items[2]["amount"] = "5.00"  # fixed; the keys were never used, so the same keys serve
    posted = (await partner.ok(BATCH, {"input": {"transfers": items, "atomic": True}}))["transfersCreate"]["results"]
    assert all(r["userErrors"] == [] and r["transaction"]["status"] == "POSTED" for r in posted)
    assert await partner.balance(two) == "25.00"
    after = await ledger_counts(partner)
    again = (await partner.ok(BATCH, {"input": {"transfers": items, "atomic": True}}))["transfersCreate"]["results"]
    assert [r["transaction"]["id"] for r in again] == [r["transaction"]["id"] for r in posted]
    assert await ledger_counts(partner) == after  # replayed


async def test_an_atomic_batch_with_a_key_used_for_other_input_moves_nothing(clients):
    partner, payer, one, two = await _setup(clients)
    used = _item(payer, one, "1.00")
    await partner.ok(BATCH, {"input": {"transfers": [used]}})
    before = await ledger_counts(partner)
    items = [_item(payer, two, "2.00"), dict(used, amount="3.00")]
    results = (await partner.ok(BATCH, {"input": {"transfers": items, "atomic": True}}))["transfersCreate"]["results"]
    assert [[e["code"] for e in r["userErrors"]] for r in results] == [["BATCH_ABORTED"], ["IDEMPOTENCY_CONFLICT"]]
    assert await ledger_counts(partner) == before and await partner.balance(two) == "0.00"
