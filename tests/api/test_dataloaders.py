"""Listing many wallets with their last transactions and entries costs a constant
number of SQL queries (DataLoaders batch every level), not one per wallet.

Queries are counted by tests.query_counter (where Tortoise logs each statement it sends).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio

from tests.factories import ApiClientFactory, GraphQLClient
from tests.query_counter import count_queries

WALLETS = 100
CUSTOMERS = 10
BUSY_TRANSACTIONS = 13  # more than one page of 10

WALLET_PAGE = """
query($first: Int!, $after: String) {
  wallets(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id currency balance { amount }
      customer { id displayName }
      transactions(first: 10) {
        pageInfo { hasNextPage }
        nodes {
          id kind amount { amount }
          fromWallet { id }
          toWallet { id }
          entries { direction amount { amount } accountKind wallet { id } }
        }
      }
    }
  }
}
"""

CUSTOMER_PAGE = """
query($first: Int!) {
  customers(first: $first) {
    nodes {
      id
      wallets(first: 10) {
        nodes {
          id
          transactions(first: 10) { nodes { id entries { direction wallet { id } } } }
        }
      }
    }
  }
}
"""


@dataclass
class Book:
    partner: GraphQLClient
    wallet_ids: list[str]


@pytest_asyncio.fixture(scope="module")
async def book(http) -> Book:
    """One partner with 100 wallets over 10 customers, each wallet with a few transactions."""
    partner = await ApiClientFactory(http).partner()
    wallet_ids = []
    for _ in range(CUSTOMERS):
        customer = await partner.create_customer()
        for _ in range(WALLETS // CUSTOMERS):
            wallet_ids.append((await partner.open_wallet("CNY", customer_id=customer["id"]))["id"])
    for wallet_id in wallet_ids:
        assert (await partner.top_up(wallet_id, "100.00"))["userErrors"] == []
    for source, target in zip(wallet_ids, wallet_ids[1:]):
        assert (await partner.transfer(source, target, "1.00"))["userErrors"] == []
    for _ in range(BUSY_TRANSACTIONS - 2):
        assert (await partner.top_up(wallet_ids[0], "1.00"))["userErrors"] == []
    return Book(partner=partner, wallet_ids=wallet_ids)


async def _counted(partner: GraphQLClient, document: str, variables: dict) -> tuple[dict, list[str]]:
    with count_queries() as log:
        data = await partner.ok(document, variables)
    return data, log.statements


async def test_the_query_counter_sees_sql(book):
    _, statements = await _counted(book.partner, "query($id: ID!) { wallet(id: $id) { id } }", {"id": book.wallet_ids[0]})
    assert len(statements) == 1, statements
    assert "SELECT" in statements[0].upper() and '"wallet"' in statements[0]


async def test_listing_100_wallets_costs_as_many_queries_as_5(book):
    small, small_sql = await _counted(book.partner, WALLET_PAGE, {"first": 5})
    large, large_sql = await _counted(book.partner, WALLET_PAGE, {"first": WALLETS})

    assert len(small["wallets"]["nodes"]) == 5
    nodes = large["wallets"]["nodes"]
    assert [n["id"] for n in nodes] == book.wallet_ids
    assert large["wallets"]["pageInfo"]["hasNextPage"] is False
    # The loaders really loaded every level.
    assert all(n["customer"]["id"] for n in nodes)
    assert all(1 <= len(n["transactions"]["nodes"]) <= 10 for n in nodes)
    assert nodes[0]["transactions"]["pageInfo"]["hasNextPage"] is True
    assert len(nodes[0]["transactions"]["nodes"]) == 10
    entries = [e for n in nodes for t in n["transactions"]["nodes"] for e in t["entries"]]
    assert entries and all(e["direction"] in ("DEBIT", "CREDIT") for e in entries)
    assert any(e["wallet"] for e in entries) and any(t["fromWallet"] for n in nodes for t in n["transactions"]["nodes"])

    assert len(large_sql) == len(small_sql), (
        f"5 wallets cost {len(small_sql)} queries, {WALLETS} cost {len(large_sql)}:\n" + "\n".join(large_sql)
    )
    assert len(large_sql) <= 8, "\n".join(large_sql)


async def test_two_pages_of_50_cost_the_same_each(book):
    first, first_sql = await _counted(book.partner, WALLET_PAGE, {"first": 50})
    cursor = first["wallets"]["pageInfo"]["endCursor"]
    second, second_sql = await _counted(book.partner, WALLET_PAGE, {"first": 50, "after": cursor})
    ids = [n["id"] for n in first["wallets"]["nodes"] + second["wallets"]["nodes"]]
    assert ids == book.wallet_ids
    assert len(first_sql) == len(second_sql)


async def test_batched_pages_match_one_wallet_at_a_time(book):
    listed = (await book.partner.ok(WALLET_PAGE, {"first": WALLETS}))["wallets"]["nodes"]
    by_id = {n["id"]: n for n in listed}
    for wallet_id in (book.wallet_ids[0], book.wallet_ids[1], book.wallet_ids[50], book.wallet_ids[-1]):
        alone = (await book.partner.ok(
            "query($w: ID) { transactions(walletId: $w, first: 10) { nodes { id } pageInfo { hasNextPage } } }",
            {"w": wallet_id},
        ))["transactions"]
        batched = by_id[wallet_id]["transactions"]
        assert [t["id"] for t in batched["nodes"]] == [t["id"] for t in alone["nodes"]]
        assert batched["pageInfo"]["hasNextPage"] == alone["pageInfo"]["hasNextPage"]


async def test_customers_with_wallets_and_transactions_cost_constant_queries(book):
    few, few_sql = await _counted(book.partner, CUSTOMER_PAGE, {"first": 2})
    many, many_sql = await _counted(book.partner, CUSTOMER_PAGE, {"first": CUSTOMERS})
    assert len(few["customers"]["nodes"]) == 2
    assert len(many["customers"]["nodes"]) == CUSTOMERS
    listed = [w["id"] for c in many["customers"]["nodes"] for w in c["wallets"]["nodes"]]
    assert listed == book.wallet_ids
    assert len(many_sql) == len(few_sql), "\n".join(many_sql)
