"""Dry runs: every check of a money movement, the transaction it would post, and nothing written at all.

"Nothing" is checked the strict way: a dump of the whole database (SQLite's
iterdump, PostgreSQL's pg_dump with sequence values) is byte-identical
before and after, refusals included; then the same request for real works
with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from typing import Any

from tests.api.support import random_global_id
from tests.factories import ApiClientFactory, GraphQLClient

TX = "transaction { id kind status dryRun amount { amount currency } fee { amount currency } entries { amount { amount } } }"
ERRORS = "userErrors { code field }"
TOP_UP = f"mutation($input: WalletTopUpInput!) {{ walletTopUp(input: $input) {{ {TX} {ERRORS} }} }}"
TRANSFER = f"mutation($input: TransferCreateInput!) {{ transferCreate(input: $input) {{ {TX} {ERRORS} }} }}"
WITHDRAW = f"mutation($input: WithdrawalCreateInput!) {{ withdrawalCreate(input: $input) {{ {TX} {ERRORS} }} }}"


def _dump_now(database_url: str) -> str:
    """Every row of the database, and on PostgreSQL every sequence's value, as text."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.split("://", 1)[1]) as connection:
            return "\n".join(connection.iterdump())
    dsn = database_url.replace("postgres://", "postgresql://", 1)
    text = subprocess.run(["pg_dump", "--data-only", "--no-owner", dsn], check=True, capture_output=True,
                          text=True).stdout
    # pg_dump >= 15.14 wraps its output in \restrict/\unrestrict lines with a random key each run.
    return "\n".join(line for line in text.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


async def dump(database_url: str) -> str:
    """The dump, taken off the event loop."""
    return await asyncio.to_thread(_dump_now, database_url)


async def _call(partner: GraphQLClient, query: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One mutation's payload."""
    return (await partner.ok(query, {"input": variables}))[name]


async def test_dry_runs_answer_like_the_real_request_and_write_nothing(clients: ApiClientFactory, database_url: str):
    partner = await clients.partner()
    one, two = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(one["id"], "100.00"))["userErrors"] == []
    before = await dump(database_url)

    top_up = await _call(partner, TOP_UP, "walletTopUp",
                         {"walletId": two["id"], "amount": "5.00", "idempotencyKey": "dry-top-up", "dryRun": True})
    transfer = await _call(partner, TRANSFER, "transferCreate", {
        "fromWalletId": one["id"], "toWalletId": two["id"], "amount": "30.00", "idempotencyKey": "dry-xfer",
        "dryRun": True})
    withdrawal = await _call(partner, WITHDRAW, "withdrawalCreate",
                             {"walletId": one["id"], "amount": "10.00", "idempotencyKey": "dry-out", "dryRun": True})
    too_much = await _call(partner, TRANSFER, "transferCreate", {
        "fromWalletId": one["id"], "toWalletId": two["id"], "amount": "100.01", "idempotencyKey": "dry-big",
        "dryRun": True})
    unknown = await _call(partner, WITHDRAW, "withdrawalCreate", {
        "walletId": random_global_id("Wallet"), "amount": "1", "idempotencyKey": "dry-x",
        "dryRun": True})

    assert await dump(database_url) == before, "a dry run wrote something"
    for payload, kind, amount in ((top_up, "TOP_UP", "5.00"), (transfer, "TRANSFER", "30.00"),
                                  (withdrawal, "WITHDRAWAL", "10.00")):
        assert payload["userErrors"] == []
        txn = payload["transaction"]
        assert (txn["kind"], txn["status"], txn["dryRun"], txn["amount"]["amount"]) == (kind, "POSTED", True, amount)
        assert txn["entries"] == []
    assert [e["code"] for e in too_much["userErrors"]] == ["INSUFFICIENT_FUNDS"] and too_much["transaction"] is None
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]

    # The key was not used up: the real request with it posts, and is not a dry run.
    real = await _call(partner, TRANSFER, "transferCreate", {
        "fromWalletId": one["id"], "toWalletId": two["id"], "amount": "30.00", "idempotencyKey": "dry-xfer"})
    assert real["userErrors"] == [] and real["transaction"]["dryRun"] is False
    assert real["transaction"]["fee"] == transfer["transaction"]["fee"], "the dry run quoted what is charged"
    assert len(real["transaction"]["entries"]) >= 2
    assert await partner.balance(one["id"]) != "100.00"
