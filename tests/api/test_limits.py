"""Request limits: depth, aliases, tokens, page size, batching, operations per document,
money movements per request and the execution deadline. Each over-limit request is refused
before anything runs: no row is written, no money moves, no audit row appears."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid

import asyncpg
import pytest
from tortoise import connections

from api.db import serving_session_settings
from api.settings import load_settings

from services.db.sql import fetch
from models import AuditEvent, IdempotencyRecord, Transaction, Wallet
from tests.api.app_instances import app_instance, on
from tests.api.support import error_codes, object_uuid, random_global_id, snapshot
from tests.conftest import backend
from tests.factories import GraphQLClient, next_id

CUSTOMER_INPUT = '{externalRef: "%s", kind: INDIVIDUAL, displayName: "Limit Test", country: "CN"}'


def customer_create(alias: str = "", selection: str = "customer { id } userErrors { code }") -> str:
    """One customerCreate root field with a fresh external ref."""
    head = f"{alias}: " if alias else ""
    return f"{head}customerCreate(input: {CUSTOMER_INPUT % next_id('limit')}) {{ {selection} }}"


async def state(partner: GraphQLClient, wallet_ids: list[str] | None = None) -> dict:
    """Everything a refused request could have changed: ledger rows, balances, audit rows."""
    return {
        **(await snapshot(partner, wallet_ids or [])),
        "audit_rows": await AuditEvent.filter(partner_id=uuid.UUID(partner.partner_id)).count(),
    }


def refusal_messages(body: dict) -> str:
    return " | ".join(error["message"] for error in body.get("errors") or [])


# ---------------------------------------------------------------- depth, aliases, tokens


async def test_depth_over_10_is_refused_before_execution(clients):
    partner = await clients.partner()
    # Depth counts nested selection sets below the root field: this one is exactly 10.
    depth_10 = "{ customers { nodes { wallets { nodes { customer { wallets { nodes { customer { wallets { nodes { id } } } } } } } } } } }"
    assert "customers" in await partner.ok(depth_10)

    before = await state(partner)
    # customerCreate(0) customer(1) wallets(2) nodes(3) customer(4) wallets(5) nodes(6) customer(7) wallets(8) nodes(9) customer(10) id(11)
    deep = "customer { wallets { nodes { customer { wallets { nodes { customer { wallets { nodes { customer { id } } } } } } } } } }"
    body = (await partner.raw(f"mutation {{ {customer_create(selection=deep)} }}")).json()
    assert body.get("data") is None, body
    assert "maximum operation depth of 10" in refusal_messages(body), body
    assert await state(partner) == before


async def test_more_than_30_aliases_is_refused_before_execution(clients):
    partner = await clients.partner()
    thirty = " ".join(f"a{i}: viewer {{ kind }}" for i in range(30))
    assert len(await partner.ok(f"{{ {thirty} }}")) == 30

    before = await state(partner)
    many = " ".join(customer_create(alias=f"c{i}") for i in range(31))
    body = (await partner.raw(f"mutation {{ {many} }}")).json()
    assert body.get("data") is None, body
    assert "31 aliases found. Allowed: 30" in refusal_messages(body), body
    assert await state(partner) == before, "not one of the 31 customers may be created"


def token_create(scope_count: int) -> str:
    """customerTokenCreate with a long scope list: 27 tokens plus one per scope."""
    scopes = '"wallets:read" ' * scope_count
    return (
        f'mutation {{ customerTokenCreate(input: {{customerId: "{random_global_id("Customer")}", scopes: [{scopes}],'
        " ttlSeconds: 60}) { token userErrors { code } } }"
    )


async def test_more_than_2000_tokens_is_refused_before_execution(clients):
    partner = await clients.partner()
    # 1973 scopes make 2000 tokens with graphql-core's start-of-file token: the document runs
    # (and is refused for its unknown customer, which is audited).
    at_limit = await partner.ok(token_create(1973))
    assert [e["code"] for e in at_limit["customerTokenCreate"]["userErrors"]] == ["NOT_FOUND"]

    before = await state(partner)
    body = (await partner.raw(token_create(1974))).json()
    assert body.get("data") is None, body
    assert error_codes(body) == ["BAD_REQUEST"]
    assert "more than 2000 tokens" in refusal_messages(body), body
    assert await state(partner) == before, "one token over the limit: nothing runs, nothing is audited"


@pytest.mark.parametrize(
    "document",
    [
        "{ customers(first: 101) { nodes { id } } }",
        "{ wallets(first: 101) { nodes { id } } }",
        "{ transactions(first: 101) { nodes { id } } }",
    ],
)
async def test_a_page_of_more_than_100_is_a_validation_error(clients, document):
    partner = await clients.partner()
    assert await partner.ok(document.replace("101", "100"))
    body = await partner.gql(document)
    assert error_codes(body) == ["VALIDATION"], body
    assert body["data"] is None, "no partial page is returned"
    assert "100" in refusal_messages(body)


# ---------------------------------------------------------------- batching and operations


async def test_a_json_array_batch_is_refused_and_nothing_runs(clients):
    partner = await clients.partner()
    before = await state(partner)
    batch = [{"query": f"mutation {{ {customer_create()} }}"} for _ in range(3)]
    response = await partner.http.post(
        "/graphql", content=json.dumps(batch), headers={"Authorization": f"Bearer {partner.token}", "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "batch" in response.json()["errors"][0]["message"]
    assert await state(partner) == before


async def test_more_than_20_operations_in_one_document_is_refused(clients):
    partner = await clients.partner()
    twenty = " ".join(f"query Q{i} {{ viewer {{ kind }} }}" for i in range(20))
    response = await partner.http.post(
        "/graphql", json={"query": twenty, "operationName": "Q7"}, headers={"Authorization": f"Bearer {partner.token}"}
    )
    assert response.status_code == 200 and response.json()["data"]["viewer"]["kind"] == "partner", response.text

    before = await state(partner)
    twenty_one = " ".join(f"mutation M{i} {{ {customer_create()} }}" for i in range(21))
    response = await partner.http.post(
        "/graphql", json={"query": twenty_one, "operationName": "M0"}, headers={"Authorization": f"Bearer {partner.token}"}
    )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "at most 20 operations" in response.json()["errors"][0]["message"]
    assert await state(partner) == before


# ---------------------------------------------------------------- one money movement per request


def transfer(alias: str, source: str, target: str, amount: str = "1.00") -> str:
    return (
        f'{alias}: transferCreate(input: {{fromWalletId: "{source}", toWalletId: "{target}", amount: "{amount}",'
        f' idempotencyKey: "{next_id("two")}"}}) {{ transaction {{ id }} userErrors {{ code }} }}'
    )


def top_up(alias: str, wallet: str, amount: str = "1.00") -> str:
    return (
        f'{alias}: walletTopUp(input: {{walletId: "{wallet}", amount: "{amount}", idempotencyKey: "{next_id("two")}"}})'
        " { transaction { id } userErrors { code } }"
    )


def withdrawal(alias: str, wallet: str, amount: str = "1.00") -> str:
    return (
        f'{alias}: withdrawalCreate(input: {{walletId: "{wallet}", amount: "{amount}", idempotencyKey: "{next_id("two")}"}})'
        " { transaction { id } userErrors { code } }"
    )


TWO_MONEY_MUTATIONS = {
    "two aliased transfers": lambda a, b: f"mutation {{ {transfer('x', a, b)} {transfer('y', a, b)} }}",
    "top-up and withdrawal": lambda a, b: f"mutation {{ {top_up('x', b)} {withdrawal('y', a)} }}",
    "hidden in a fragment": lambda a, b: (
        f"mutation {{ {top_up('x', a)} ...More }} fragment More on Mutation {{ {transfer('y', a, b)} }}"
    ),
    "hidden in an inline fragment": lambda a, b: (
        f"mutation {{ ... on Mutation {{ {withdrawal('x', a)} }} {withdrawal('y', a)} }}"
    ),
}


@pytest.mark.parametrize("name", list(TWO_MONEY_MUTATIONS))
async def test_two_money_movements_in_one_request_are_refused_and_no_money_moves(clients, name):
    partner = await clients.partner()
    source, target = (await partner.open_wallet())["id"], (await partner.open_wallet())["id"]
    assert (await partner.top_up(source, "10.00"))["userErrors"] == []
    before = await state(partner, [source, target])

    response = await partner.raw(TWO_MONEY_MUTATIONS[name](source, target))
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "at most one money-moving mutation" in response.json()["errors"][0]["message"]
    assert await state(partner, [source, target]) == before


async def test_one_money_movement_with_a_customer_create_is_allowed(clients):
    partner = await clients.partner()
    wallet = (await partner.open_wallet())["id"]
    before = await state(partner, [wallet])

    data = await partner.ok(f"mutation {{ {top_up('money', wallet, '5.00')} {customer_create(alias='onboard')} }}")
    assert data["money"]["userErrors"] == [] and data["money"]["transaction"]["id"]
    assert data["onboard"]["userErrors"] == [] and data["onboard"]["customer"]["id"]
    after = await state(partner, [wallet])
    assert after["balances"][wallet] == "5.00"
    assert after["counts"]["customers"] == before["counts"]["customers"] + 1
    assert after["counts"]["transactions"] == before["counts"]["transactions"] + 1
    assert after["audit_rows"] == before["audit_rows"] + 2, "both mutations are audited"


# ---------------------------------------------------------------- execution deadline


class AccountLock:
    """Another database session holding the write lock a posting needs.

    PostgreSQL: a plain asyncpg connection holds FOR UPDATE on the wallet's account row,
    the row the posting locks. SQLite: a second sqlite3 connection holds the database's
    write lock (BEGIN IMMEDIATE), which every writer needs; readers go on (WAL).
    """

    def __init__(self, database_url: str, account_id: int) -> None:
        self.database_url, self.account_id = database_url, account_id

    async def __aenter__(self) -> AccountLock:
        if backend() == "postgres":
            self.conn = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://", 1))
            self.tx = self.conn.transaction()
            await self.tx.start()
            rows = await self.conn.fetch("SELECT id FROM account WHERE id = $1 FOR UPDATE", self.account_id)
            assert len(rows) == 1
        else:
            self.lite = sqlite3.connect(self.database_url[len("sqlite://"):], isolation_level=None, check_same_thread=False)
            self.lite.execute("BEGIN IMMEDIATE")
        return self

    async def release(self) -> None:
        if backend() == "postgres":
            if not self.conn.is_closed():
                await self.tx.rollback()
                await self.conn.close()
        elif self.lite is not None:
            self.lite.execute("ROLLBACK")
            self.lite.close()
            self.lite = None

    async def __aexit__(self, *exc: object) -> None:
        await self.release()


async def test_a_request_past_its_deadline_is_cancelled_with_503_timeout_and_changes_nothing(clients, database_url):
    partner = await clients.partner()
    source, target = (await partner.open_wallet())["id"], (await partner.open_wallet())["id"]
    assert (await partner.top_up(source, "10.00"))["userErrors"] == []
    before = await state(partner, [source, target])
    account_id = (await Wallet.get(id=object_uuid(source))).account_id
    key = next_id("deadline")

    async with app_instance(database_url, request_timeout_s=1) as http:
        slow = on(partner, http)
        async with AccountLock(database_url, account_id) as lock:
            started = time.monotonic()
            request = asyncio.create_task(
                slow.raw(
                    "mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
                    " transaction { id } userErrors { code } } }",
                    {"input": {"fromWalletId": source, "toWalletId": target, "amount": "3.00", "idempotencyKey": key}},
                )
            )
            if backend() == "postgres":
                # Answered at the deadline while the row is still locked.
                response = await asyncio.wait_for(request, 10)
            else:
                # SQLite's driver call cannot be interrupted: the cancelled request answers once
                # the driver returns. Without the deadline the transfer would now succeed.
                await asyncio.sleep(1.5)
                assert not request.done() or request.result().status_code == 503
                await lock.release()
                response = await asyncio.wait_for(request, 10)
            elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert error_codes(response.json()) == ["TIMEOUT"] and response.headers["retry-after"] == "1"
        assert response.json()["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]
        assert response.json()["data"] is None
        assert elapsed >= 1.0

    # Ledger rows and balances only: a timed-out attempt leaves no audit row today (neither
    # attempt() nor the AuditTrail extension runs once cancelled); not asserted either way.
    assert await snapshot(partner, [source, target]) == {k: before[k] for k in ("counts", "balances")}
    assert not await IdempotencyRecord.filter(partner_id=uuid.UUID(partner.partner_id), key=key).exists()
    assert not await Transaction.filter(partner_id=uuid.UUID(partner.partner_id), idempotency_key=key).exists()
    # The key was not consumed: the same request now succeeds.
    retried = await partner.transfer(source, target, "3.00", key=key)
    assert retried["userErrors"] == [] and retried["transaction"]["id"]
    assert await partner.balance(source) == "7.00"


async def test_several_operations_without_an_operation_name_are_refused_and_nothing_runs(clients):
    """Issue 19: GraphQL over HTTP runs only the operation operationName names; without one, none runs."""
    partner = await clients.partner()
    before = await state(partner)
    two = f"mutation A {{ {customer_create()} }} mutation B {{ {customer_create()} }}"
    response = await partner.http.post("/graphql", json={"query": two}, headers={"Authorization": f"Bearer {partner.token}"})
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    assert "operationName" in response.json()["errors"][0]["message"]
    assert await state(partner) == before
    named = await partner.http.post("/graphql", json={"query": two, "operationName": "B"},
                                    headers={"Authorization": f"Bearer {partner.token}"})
    assert named.status_code == 200 and "errors" not in named.json(), named.text
    assert await state(partner) != before  # the named one ran


@pytest.mark.skipif(backend() != "postgres", reason="lock_timeout is a PostgreSQL session setting")
async def test_a_row_locked_past_the_lock_timeout_is_503_unavailable_and_the_retry_posts_once(clients, database_url):
    # The serving pool's sessions carry lock_timeout (QIANBAO_DB_LOCK_TIMEOUT_MS, default 2 s) and statement_timeout
    # (api.db.serving_session_settings): a posting stuck behind another session's lock gives up well before the
    # request deadline (10 s here) and says so as a fault, not as a hang or a bug.
    settings = load_settings(database_url=database_url, env="test")
    conn = connections.get("default")
    shown = {name: (await fetch(conn, f"SHOW {name}", []))[0][name] for name in ("lock_timeout", "statement_timeout", "random_page_cost")}
    assert shown == {"lock_timeout": "2s", "statement_timeout": "30s", "random_page_cost": "1.1"}
    assert serving_session_settings(settings) == {"lock_timeout": "2000", "statement_timeout": "30000",
                                                  "random_page_cost": "1.1"}

    partner = await clients.partner()
    source, target = (await partner.open_wallet())["id"], (await partner.open_wallet())["id"]
    assert (await partner.top_up(source, "10.00"))["userErrors"] == []
    before = await state(partner, [source, target])
    account_id = (await Wallet.get(id=object_uuid(source))).account_id
    key = next_id("locktimeout")
    mutation = ("mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
                " transaction { id } userErrors { code } } }")
    variables = {"input": {"fromWalletId": source, "toWalletId": target, "amount": "3.00", "idempotencyKey": key}}
    async with AccountLock(database_url, account_id):
        started = time.monotonic()
        response = await asyncio.wait_for(partner.raw(mutation, variables), 10)
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert error_codes(response.json()) == ["UNAVAILABLE"] and "retry-after" in response.headers
    assert 1.9 <= elapsed < settings.request_timeout_s, elapsed
    assert await snapshot(partner, [source, target]) == {k: before[k] for k in ("counts", "balances")}
    assert not await IdempotencyRecord.filter(partner_id=uuid.UUID(partner.partner_id), key=key).exists()

    retried = await partner.transfer(source, target, "3.00", key=key)
    assert retried["userErrors"] == [] and retried["transaction"]["id"]
    again = await partner.transfer(source, target, "3.00", key=key)
    assert again["transaction"]["id"] == retried["transaction"]["id"], "the key replays the one posting"
    assert await partner.balance(source) == "7.00"
