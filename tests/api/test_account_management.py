"""Account management over GraphQL: customerUpdate, customerLimitsSet, customerClose, walletClose, walletNicknameSet.

Each bad input of the issue is refused with its code, and the test reads the
state back to show nothing changed. The customer-token cases use a token of
the partner's customer carrying customers:write and wallets:write, minted with
the app's own token authority (see test_customer_tokens_need_the_write_scopes
for what customerTokenCreate delegates today).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from models import Account, Customer, CustomerOwnLimit, Wallet
from services.delegated_tokens import CUSTOMER_TOKEN_SCOPES
from tests.api.kyc_support import individual, submit
from tests.api.support import error_codes, object_uuid, snapshot
from tests.factories import ApiClientFactory, GraphQLClient
from tests.query_counter import count_queries

ERRORS = "userErrors { code message field }"
CUSTOMER_FIELDS = "id displayName email phone address status closedAt ownLimits { currency daily perTransaction }"
UPDATE = f"mutation($input: CustomerUpdateInput!) {{ customerUpdate(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} {ERRORS} }} }}"
LIMITS = (
    "mutation($input: CustomerLimitsSetInput!) { customerLimitsSet(input: $input) {"
    " customer { id limits(currency: \"USD\") { singleMax daily { limit remaining } monthly { limit } } }"
    f" ownLimit {{ currency daily perTransaction updatedAt }} {ERRORS} }} }}"
)
CLOSE_CUSTOMER = f"mutation($input: CustomerCloseInput!) {{ customerClose(input: $input) {{ customer {{ id status closedAt }} {ERRORS} }} }}"
CLOSE_WALLET = (
    "mutation($input: WalletCloseInput!) { walletClose(input: $input) {"
    " wallet { id status closedAt balance { amount } } sweep { id kind amount { amount currency } fee { amount } }"
    f" {ERRORS} }} }}"
)
NICKNAME = f"mutation($input: WalletNicknameSetInput!) {{ walletNicknameSet(input: $input) {{ wallet {{ id nickname }} {ERRORS} }} }}"
CUSTOMER = f"query($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"
WALLET_HISTORY = "query($id: ID!) { wallet(id: $id) { status nickname closedAt transactions(first: 10) { nodes { kind } } } }"


@dataclasses.dataclass
class Shop:
    partner: GraphQLClient
    c1: str
    c2: str
    w1: str  # c1's wallet, 100.00 CNY
    w2: str  # c2's wallet
    frontend: GraphQLClient  # c1's own customer token, with customers:write and wallets:write


def customer_token(app: Any, partner: GraphQLClient, customer_id: str, scopes: list[str]) -> GraphQLClient:
    token, _ = app.state.qianbao.tokens.issue_customer_token(
        client_id=partner.client_id, partner_id=uuid.UUID(partner.partner_id), customer_id=object_uuid(customer_id),
        scopes=scopes, ttl_s=300,
    )
    return dataclasses.replace(partner, token=token, scopes=scopes)


@pytest.fixture
async def shop(app, clients: ApiClientFactory) -> Shop:
    partner = await clients.partner()
    c1, c2 = await partner.create_customer(), await partner.create_customer()
    w1 = await partner.open_wallet("CNY", customer_id=c1["id"])
    w2 = await partner.open_wallet("CNY", customer_id=c2["id"])
    assert (await partner.top_up(w1["id"], "100.00"))["userErrors"] == []
    scopes = sorted(CUSTOMER_TOKEN_SCOPES | {"customers:write", "wallets:write"})
    return Shop(partner=partner, c1=c1["id"], c2=c2["id"], w1=w1["id"], w2=w2["id"],
                frontend=customer_token(app, partner, c1["id"], scopes))


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def stored_customer(global_id: str) -> tuple:
    row = await Customer.get(id=object_uuid(global_id))
    return row.display_name_enc, row.email_enc, row.phone_enc, row.address_enc, row.status


async def stored_wallet(global_id: str) -> tuple:
    row = await Wallet.get(id=object_uuid(global_id)).select_related("account")
    return row.status, row.nickname, row.closed_at, row.account.balance_minor, row.account.held_minor


# --- customerUpdate -------------------------------------------------------------


async def test_the_partner_updates_a_customer_and_the_address_is_shown_masked(shop: Shop):
    payload = (await shop.partner.ok(UPDATE, {"input": {
        "customerId": shop.c1, "displayName": "Chen Jie", "email": "chen@example.cn", "phone": "+8613800138001",
        "address": "1 Zhongshan East Road, Shanghai 200002",
    }}))["customerUpdate"]
    assert payload["userErrors"] == []
    customer = payload["customer"]
    assert (customer["displayName"], customer["email"], customer["phone"], customer["address"]) == (
        "Chen Jie", "chen@example.cn", "+8613800138001", "••••••0002")
    assert (await shop.partner.ok(CUSTOMER, {"id": shop.c1}))["customer"]["address"] == "••••••0002"
    # Left out: kept; null: removed.
    payload = (await shop.partner.ok(UPDATE, {"input": {"customerId": shop.c1, "email": None}}))["customerUpdate"]
    assert (payload["customer"]["email"], payload["customer"]["phone"]) == (None, "+8613800138001")


async def test_a_customer_token_reads_its_profile_and_changes_its_own_contact_details_only(shop: Shop):
    mine = (await shop.frontend.ok(CUSTOMER, {"id": shop.c1}))["customer"]
    assert mine["id"] == shop.c1 and mine["status"] == "ACTIVE"
    payload = (await shop.frontend.ok(UPDATE, {"input": {"customerId": shop.c1, "phone": "+8613700137000",
                                                         "address": "9 West Lake Road, Hangzhou"}}))["customerUpdate"]
    assert payload["userErrors"] == [] and payload["customer"]["phone"] == "+8613700137000"

    before = (await stored_customer(shop.c1), await stored_customer(shop.c2))
    # Its name is the partner's to change: a FORBIDDEN GraphQL error, nothing changed.
    body = await shop.frontend.gql(UPDATE, {"input": {"customerId": shop.c1, "displayName": "Somebody Else"}})
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None
    # Another customer's data: answered as if it did not exist.
    payload = (await shop.frontend.ok(UPDATE, {"input": {"customerId": shop.c2, "email": "x@y.example"}}))["customerUpdate"]
    assert codes(payload) == ["NOT_FOUND"] and payload["customer"] is None
    assert error_codes(await shop.frontend.gql(CUSTOMER, {"id": shop.c2})) == ["NOT_FOUND"]
    assert (await stored_customer(shop.c1), await stored_customer(shop.c2)) == before


async def test_customer_tokens_need_the_write_scopes(app, shop: Shop):
    """A token with only the read scopes changes nothing (the write scopes are what a frontend needs for this)."""
    reader = customer_token(app, shop.partner, shop.c1, ["customers:read", "wallets:read"])
    before = await stored_customer(shop.c1), await stored_wallet(shop.w1)
    for document, variables in (
        (UPDATE, {"input": {"customerId": shop.c1, "email": "x@y.example"}}),
        (LIMITS, {"input": {"customerId": shop.c1, "currency": "CNY", "daily": "1.00"}}),
        (NICKNAME, {"input": {"walletId": shop.w1, "nickname": "Mine"}}),
    ):
        assert error_codes(await reader.gql(document, variables)) == ["FORBIDDEN"]
    assert (await stored_customer(shop.c1), await stored_wallet(shop.w1)) == before


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({}, "VALIDATION", ["input"]),
    ({"displayName": None}, "VALIDATION", ["displayName"]),
    ({"email": "nobody"}, "VALIDATION", ["email"]),
    ({"phone": "0123"}, "VALIDATION", ["phone"]),
    ({"address": "x" * 501}, "VALIDATION", ["address"]),
])
async def test_bad_profile_input_is_refused_and_nothing_changes(shop: Shop, fields, code, field):
    before = await stored_customer(shop.c1)
    payload = (await shop.partner.ok(UPDATE, {"input": {"customerId": shop.c1, **fields}}))["customerUpdate"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert await stored_customer(shop.c1) == before


# --- customerLimitsSet ----------------------------------------------------------


async def test_own_limits_show_in_the_limits_view_and_refuse_larger_payments(clients: ApiClientFactory):
    partner = await clients.partner()
    payer = await partner.create_customer(country="US", kyc_tier=2)  # daily and single 5,000.00 USD
    source, target = await partner.open_wallet("USD", payer["id"]), await partner.open_wallet("USD")
    assert (await partner.top_up(source["id"], "100.00"))["userErrors"] == []
    payload = (await partner.ok(LIMITS, {"input": {"customerId": payer["id"], "currency": "USD", "daily": "20.00",
                                                   "perTransaction": "15.00"}}))["customerLimitsSet"]
    assert payload["userErrors"] == []
    assert {k: payload["ownLimit"][k] for k in ("currency", "daily", "perTransaction")} == {
        "currency": "USD", "daily": "20.00", "perTransaction": "15.00"}
    [view] = payload["customer"]["limits"]
    assert (view["singleMax"], view["daily"], view["monthly"]["limit"]) == (
        "15.00", {"limit": "20.00", "remaining": "20.00"}, "20000.00")

    refused = await partner.transfer(source["id"], target["id"], "15.01")
    assert codes(refused) == ["LIMIT_EXCEEDED"]
    assert (await partner.transfer(source["id"], target["id"], "15.00"))["userErrors"] == []
    refused = await partner.transfer(source["id"], target["id"], "5.01")
    assert [(e["code"], e["message"]) for e in refused["userErrors"]] == [
        ("LIMIT_EXCEEDED", "daily limit of 20.00 USD exceeded: 5.00 USD remains")]
    assert await partner.balance(source["id"]) == "85.00"


async def test_a_limit_above_the_regulatory_one_is_refused_and_nothing_changes(clients: ApiClientFactory):
    partner = await clients.partner()
    customer = await partner.create_customer(country="US", kyc_tier=2)
    await partner.open_wallet("USD", customer["id"])
    payload = (await partner.ok(LIMITS, {"input": {"customerId": customer["id"], "currency": "USD",
                                                   "daily": "5000.01"}}))["customerLimitsSet"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("LIMIT_EXCEEDED", ["daily"])]
    assert "5000.00 USD" in payload["userErrors"][0]["message"]
    assert payload["ownLimit"] is None and payload["customer"] is None
    assert not await CustomerOwnLimit.exists(customer_id=object_uuid(customer["id"]))
    view = (await partner.ok(CUSTOMER, {"id": customer["id"]}))["customer"]
    assert view["ownLimits"] == []


async def test_a_customer_token_lowers_its_own_limits_and_nobody_elses(shop: Shop):
    payload = (await shop.frontend.ok(LIMITS, {"input": {"customerId": shop.c1, "currency": "CNY",
                                                         "perTransaction": "50.00"}}))["customerLimitsSet"]
    assert payload["userErrors"] == [] and payload["ownLimit"]["perTransaction"] == "50.00"
    payload = (await shop.frontend.ok(LIMITS, {"input": {"customerId": shop.c2, "currency": "CNY",
                                                         "daily": "1.00"}}))["customerLimitsSet"]
    assert codes(payload) == ["NOT_FOUND"]
    assert not await CustomerOwnLimit.exists(customer_id=object_uuid(shop.c2))
    # Its own limit binds its own payments.
    refused = await shop.frontend.transfer(shop.w1, shop.w2, "50.01")
    assert codes(refused) == ["LIMIT_EXCEEDED"]
    mine = (await shop.frontend.ok(CUSTOMER, {"id": shop.c1}))["customer"]
    assert mine["ownLimits"] == [{"currency": "CNY", "daily": None, "perTransaction": "50.00"}]


# --- walletClose and walletNicknameSet ---------------------------------------------


async def test_closing_a_wallet_with_money_or_holds_is_refused_and_nothing_changes(shop: Shop):
    before = await snapshot(shop.partner, [shop.w1, shop.w2])
    stored = await stored_wallet(shop.w1)
    payload = (await shop.partner.ok(CLOSE_WALLET, {"input": {"walletId": shop.w1}}))["walletClose"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("WALLET_NOT_EMPTY", ["walletId"])]
    assert "100.00 CNY" in payload["userErrors"][0]["message"] and payload["wallet"] is None

    second = await shop.partner.open_wallet("CNY", customer_id=shop.c1)
    wallet = await Wallet.get(id=object_uuid(shop.w1))
    await Account.filter(id=wallet.account_id).update(held_minor=1_000)  # type: ignore[attr-defined]
    try:
        payload = (await shop.partner.ok(CLOSE_WALLET, {"input": {"walletId": shop.w1, "sweepToWalletId": second["id"],
                                                                  "idempotencyKey": "close-held"}}))["walletClose"]
        assert codes(payload) == ["WALLET_NOT_EMPTY"] and "on hold" in payload["userErrors"][0]["message"]
    finally:
        await Account.filter(id=wallet.account_id).update(held_minor=0)  # type: ignore[attr-defined]
    assert await stored_wallet(shop.w1) == stored
    after = await snapshot(shop.partner, [shop.w1, shop.w2])
    assert after["balances"] == before["balances"]
    assert after["counts"] == {**before["counts"], "wallets": before["counts"]["wallets"] + 1}  # only the new wallet


async def test_a_sweep_closes_a_wallet_and_the_closed_wallet_moves_nothing_but_shows_its_history(shop: Shop):
    second = await shop.partner.open_wallet("CNY", customer_id=shop.c1)
    payload = (await shop.partner.ok(CLOSE_WALLET, {"input": {
        "walletId": shop.w1, "sweepToWalletId": second["id"], "idempotencyKey": "close-w1", "reason": "moving banks",
    }}))["walletClose"]
    assert payload["userErrors"] == []
    assert (payload["wallet"]["status"], payload["wallet"]["balance"]["amount"]) == ("CLOSED", "0.00")
    assert payload["sweep"]["kind"] == "SWEEP" and payload["sweep"]["amount"] == {"amount": "100.00", "currency": "CNY"}
    assert payload["sweep"]["fee"]["amount"] == "0.00"
    assert await shop.partner.balance(second["id"]) == "100.00"

    assert codes(await shop.partner.top_up(shop.w1, "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert codes(await shop.partner.transfer(second["id"], shop.w1, "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert codes(await shop.partner.transfer(shop.w1, second["id"], "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert codes(await shop.partner.withdraw(shop.w1, "1.00")) == ["WALLET_NOT_ACTIVE"]
    assert codes(await shop.frontend.transfer(second["id"], shop.w1, "1.00")) == ["WALLET_NOT_ACTIVE"]  # its own, too
    history = (await shop.frontend.ok(WALLET_HISTORY, {"id": shop.w1}))["wallet"]
    assert history["status"] == "CLOSED" and history["closedAt"]
    assert [t["kind"] for t in history["transactions"]["nodes"]] == ["SWEEP", "TOP_UP"]
    assert await shop.partner.balance(second["id"]) == "100.00"


async def test_wallet_close_is_the_partners_and_nicknames_are_the_customers_too(shop: Shop):
    body = await shop.frontend.gql(CLOSE_WALLET, {"input": {"walletId": shop.w1}})
    assert error_codes(body) == ["FORBIDDEN"]
    payload = (await shop.frontend.ok(NICKNAME, {"input": {"walletId": shop.w1, "nickname": "Everyday"}}))["walletNicknameSet"]
    assert payload["userErrors"] == [] and payload["wallet"]["nickname"] == "Everyday"
    before = await stored_wallet(shop.w2)
    payload = (await shop.frontend.ok(NICKNAME, {"input": {"walletId": shop.w2, "nickname": "Mine"}}))["walletNicknameSet"]
    assert codes(payload) == ["NOT_FOUND"]
    for bad in ("x" * 41, "", "two\nlines"):
        payload = (await shop.partner.ok(NICKNAME, {"input": {"walletId": shop.w2, "nickname": bad}}))["walletNicknameSet"]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION", ["nickname"])], bad
    assert await stored_wallet(shop.w2) == before
    payload = (await shop.partner.ok(NICKNAME, {"input": {"walletId": shop.w1, "nickname": None}}))["walletNicknameSet"]
    assert payload["wallet"]["nickname"] is None


# --- customerClose ------------------------------------------------------------------


async def test_a_customer_closes_after_its_wallets_and_then_opens_nothing(shop: Shop):
    payload = (await shop.partner.ok(CLOSE_CUSTOMER, {"input": {"customerId": shop.c2}}))["customerClose"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID_STATE", ["customerId"])]
    assert "1 wallet is still open" in payload["userErrors"][0]["message"]
    assert (await stored_customer(shop.c2))[4].value == "ACTIVE"

    assert (await shop.partner.ok(CLOSE_WALLET, {"input": {"walletId": shop.w2}}))["walletClose"]["userErrors"] == []
    body = await shop.frontend.gql(CLOSE_CUSTOMER, {"input": {"customerId": shop.c1}})
    assert error_codes(body) == ["FORBIDDEN"]
    payload = (await shop.partner.ok(CLOSE_CUSTOMER, {"input": {"customerId": shop.c2, "reason": "asked"}}))["customerClose"]
    assert payload["userErrors"] == [] and payload["customer"]["status"] == "CLOSED" and payload["customer"]["closedAt"]

    opened = await shop.partner.ok(
        "mutation($input: WalletOpenInput!) { walletOpen(input: $input) { wallet { id } userErrors { code field } } }",
        {"input": {"customerId": shop.c2, "currency": "CNY"}},
    )
    assert opened["walletOpen"]["userErrors"] == [{"code": "INVALID_STATE", "field": ["customerId"]}]
    payload = (await shop.partner.ok(UPDATE, {"input": {"customerId": shop.c2, "email": "a@b.example"}}))["customerUpdate"]
    assert codes(payload) == ["INVALID_STATE"]
    assert await Wallet.filter(customer_id=object_uuid(shop.c2)).count() == 1
    assert (await shop.partner.ok(CUSTOMER, {"id": shop.c2}))["customer"]["status"] == "CLOSED"
    # No new tokens for a closed customer, and no KYC submissions.
    minted = await shop.partner.ok(
        "mutation($input: CustomerTokenCreateInput!) { customerTokenCreate(input: $input) { token userErrors { code field } } }",
        {"input": {"customerId": shop.c2, "scopes": ["wallets:read"]}},
    )
    assert minted["customerTokenCreate"] == {"token": None, "userErrors": [{"code": "INVALID_STATE", "field": ["customerId"]}]}
    kyc = await submit(shop.partner, individual(shop.c2))
    assert [(e["code"], e["field"]) for e in kyc["userErrors"]] == [("INVALID_STATE", ["customerId"])]
    assert kyc["submission"] is None


async def test_listing_customers_with_their_own_limits_costs_the_same_statements_for_2_and_12(clients: ApiClientFactory):
    """ownLimits loads through one batched query per list, whatever the number of customers."""
    partner = await clients.partner()
    for _ in range(12):
        customer = await partner.create_customer()
        await partner.ok(LIMITS, {"input": {"customerId": customer["id"], "currency": "CNY", "daily": "5.00"}})
    document = "query($n: Int) { customers(first: $n) { nodes { id ownLimits { currency daily } } } }"
    counts = []
    for size in (2, 12):
        with count_queries() as log:
            data = await partner.ok(document, {"n": size})
        assert all(node["ownLimits"] == [{"currency": "CNY", "daily": "5.00"}] for node in data["customers"]["nodes"])
        counts.append(len(log.statements))
    assert counts[0] == counts[1], counts
