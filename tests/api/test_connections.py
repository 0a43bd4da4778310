"""Relay connections done fully: first/after and last/before, pageInfo, stable order, filters, and a
constant number of SQL statements however large and deep the page (counted with tests.query_counter).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio

from models import Customer
from models.enums import KycStatus
from tests.api.support import error_codes, object_uuid
from tests.factories import ApiClientFactory, GraphQLClient
from tests.query_counter import count_queries

PAGE_VARS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE_ARGS = "first: $first, after: $after, last: $last, before: $before"
SELECTION = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

# name -> (document, path to the connection); documents may use $w (a wallet id).
LISTS: dict[str, tuple[str, list[str]]] = {
    "customers": (f"query({PAGE_VARS}) {{ customers({PAGE_ARGS}) {{ {SELECTION} }} }}", ["customers"]),
    "business customers": (
        f"query({PAGE_VARS}) {{ customers(kind: BUSINESS, {PAGE_ARGS}) {{ {SELECTION} }} }}", ["customers"]),
    "transactions": (f"query({PAGE_VARS}) {{ transactions({PAGE_ARGS}) {{ {SELECTION} }} }}", ["transactions"]),
    "transfers": (
        f"query({PAGE_VARS}) {{ transactions(kind: TRANSFER, {PAGE_ARGS}) {{ {SELECTION} }} }}", ["transactions"]),
    "transactions of a wallet": (
        f"query($w: ID, {PAGE_VARS}) {{ transactions(walletId: $w, {PAGE_ARGS}) {{ {SELECTION} }} }}", ["transactions"]),
    "wallet.transactions": (
        f"query($w: ID!, {PAGE_VARS}) {{ wallet(id: $w) {{ transactions({PAGE_ARGS}) {{ {SELECTION} }} }} }}",
        ["wallet", "transactions"]),
    "wallet.transactions posted": (
        f"query($w: ID!, {PAGE_VARS}) {{ wallet(id: $w) {{ transactions(status: POSTED, {PAGE_ARGS}) {{ {SELECTION} }} }} }}",
        ["wallet", "transactions"]),
    "wallets": (f"query({PAGE_VARS}) {{ wallets({PAGE_ARGS}) {{ {SELECTION} }} }}", ["wallets"]),
    "wallets of a customer": (
        f"query($c: ID, {PAGE_VARS}) {{ wallets(customerId: $c, {PAGE_ARGS}) {{ {SELECTION} }} }}", ["wallets"]),
    "customer.wallets": (
        f"query($c: ID!, {PAGE_VARS}) {{ customer(id: $c) {{ wallets({PAGE_ARGS}) {{ {SELECTION} }} }} }}",
        ["customer", "wallets"]),
}

NESTED = """
query {
  customers(first: 100) {
    nodes { id wallets { nodes { id transactions(first: 10) { nodes { id } } } } }
  }
}
"""

NESTED_BACKWARD_FILTERED = """
query($from: DateTime) {
  customers(last: 100, kind: INDIVIDUAL) {
    pageInfo { hasPreviousPage }
    nodes { id wallets(first: 5) { nodes { id transactions(last: 10, kind: TOP_UP, status: POSTED, createdFrom: $from) {
      pageInfo { hasPreviousPage } nodes { id kind } } } } }
  }
}
"""


@dataclass
class Book:
    """One partner: customers of both kinds and KYC states, two wallets that moved money in every kind."""

    partner: GraphQLClient
    customers: list[dict[str, Any]]  # oldest first: id, externalRef, kind
    busy: str  # the wallet with the most transactions
    other: str


@pytest_asyncio.fixture(scope="module")
async def book(http) -> Book:
    partner = await ApiClientFactory(http).partner()
    customers = []
    for n in range(7):
        kind = "BUSINESS" if n % 3 == 0 else "INDIVIDUAL"
        customer = await partner.create_customer(kind=kind, kyc_tier=3 if n % 2 == 0 else None)
        customers.append({**customer, "kind": kind})
    await Customer.filter(id=object_uuid(customers[5]["id"])).update(kyc_status=KycStatus.PENDING)
    busy = (await partner.open_wallet("CNY", customer_id=customers[0]["id"]))["id"]
    other = (await partner.open_wallet("CNY", customer_id=customers[2]["id"]))["id"]
    for currency in ("EUR", "USD", "GBP"):  # customer 0 holds four wallets: wallet lists page over them
        await partner.open_wallet(currency, customer_id=customers[0]["id"])
    for amount in ("100.00", "20.00", "3.00"):
        assert (await partner.top_up(busy, amount))["userErrors"] == []
    assert (await partner.top_up(other, "50.00"))["userErrors"] == []
    for amount in ("1.00", "2.00", "3.00", "4.00"):
        assert (await partner.transfer(busy, other, amount))["userErrors"] == []
    assert (await partner.transfer(other, busy, "5.00"))["userErrors"] == []
    for amount in ("1.50", "2.50"):
        assert (await partner.withdraw(busy, amount))["userErrors"] == []
    return Book(partner=partner, customers=customers, busy=busy, other=other)


def _dig(data: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data


async def _page(book: Book, name: str, **variables: Any) -> dict[str, Any]:
    document, path = LISTS[name]
    if "$w" in document:
        variables.setdefault("w", book.busy)
    if "$c" in document:
        variables.setdefault("c", book.customers[0]["id"])
    return _dig(await book.partner.ok(document, variables), path)


def _ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def _check_cursors(connection: dict[str, Any]) -> None:
    cursors = [edge["cursor"] for edge in connection["edges"]]
    info = connection["pageInfo"]
    assert info["startCursor"] == (cursors[0] if cursors else None)
    assert info["endCursor"] == (cursors[-1] if cursors else None)


async def _all_forward(book: Book, name: str, size: int) -> list[str]:
    """Every item, page by page with first/after, checking each page's pageInfo."""
    ids, after, pages = [], None, 0
    while True:
        connection = await _page(book, name, first=size, after=after)
        _check_cursors(connection)
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        ids += _ids(connection)
        pages += 1
        if not info["hasNextPage"]:
            assert len(connection["edges"]) <= size
            return ids
        assert len(connection["edges"]) == size and pages < 50
        after = info["endCursor"]


async def _all_backward(book: Book, name: str, size: int) -> list[str]:
    """Every item, page by page with last/before from the end, checking each page's pageInfo."""
    ids: list[str] = []
    before, pages = None, 0
    while True:
        connection = await _page(book, name, last=size, before=before)
        _check_cursors(connection)
        info = connection["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        ids = _ids(connection) + ids
        pages += 1
        if not info["hasPreviousPage"]:
            assert len(connection["edges"]) <= size
            return ids
        assert len(connection["edges"]) == size and pages < 50
        before = info["startCursor"]


@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("size", [1, 3, 100])
async def test_backward_paging_returns_the_same_items_as_forward_paging(book, name, size):
    everything = _ids(await _page(book, name, first=100))
    assert everything and len(everything) == len(set(everything))
    assert await _all_forward(book, name, size) == everything
    assert await _all_backward(book, name, size) == everything


async def test_the_order_is_stable_oldest_customers_and_newest_transactions_first(book):
    customers = _ids(await _page(book, "customers", first=100))
    assert customers == [c["id"] for c in book.customers]
    assert sorted(customers, key=object_uuid) == customers
    transactions = _ids(await _page(book, "transactions", first=100))
    assert sorted(transactions, key=object_uuid, reverse=True) == transactions
    assert _ids(await _page(book, "transactions", first=100)) == transactions  # the same again


async def test_the_last_items_and_a_slice_between_two_cursors(book):
    everything = await _page(book, "transactions", first=100)
    ids, cursors = _ids(everything), [edge["cursor"] for edge in everything["edges"]]
    tail = await _page(book, "transactions", last=3)
    assert _ids(tail) == ids[-3:]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    # Between the 2nd and the 8th item: forward from the start of the slice, backward from its end.
    between = {"after": cursors[1], "before": cursors[7]}
    assert _ids(await _page(book, "transactions", first=100, **between)) == ids[2:7]
    forward = await _page(book, "transactions", first=2, **between)
    assert _ids(forward) == ids[2:4] and forward["pageInfo"]["hasNextPage"] is True
    backward = await _page(book, "transactions", last=2, **between)
    assert _ids(backward) == ids[5:7] and backward["pageInfo"]["hasPreviousPage"] is True
    # Past the end: an empty page with no cursors.
    empty = await _page(book, "transactions", first=5, after=cursors[-1])
    assert empty["edges"] == [] and empty["pageInfo"] == {
        "hasNextPage": False, "hasPreviousPage": True, "startCursor": None, "endCursor": None}


async def test_cursors_are_opaque(book):
    for name in ("customers", "transactions", "wallet.transactions"):
        for edge in (await _page(book, name, first=100))["edges"]:
            row_id = object_uuid(edge["node"]["id"])
            raw = base64.urlsafe_b64decode(edge["cursor"] + "=" * (-len(edge["cursor"]) % 4))
            for shown in (edge["cursor"], raw.hex(), raw.decode("latin-1")):
                assert str(row_id) not in shown and row_id.hex not in shown
            assert row_id.bytes not in raw


# --- filters -------------------------------------------------------------------------------------

CUSTOMER_FILTER = "query($ref: String, $kyc: KycStatus, $kind: CustomerKind) {" \
    " customers(first: 100, externalRef: $ref, kycStatus: $kyc, kind: $kind) { nodes { id externalRef kind kycStatus } } }"


async def test_customers_by_external_ref_kyc_status_and_kind(book):
    partner = book.partner

    async def listed(**variables: Any) -> list[str]:
        return [c["id"] for c in (await partner.ok(CUSTOMER_FILTER, variables))["customers"]["nodes"]]

    everyone = await partner.ok(CUSTOMER_FILTER)
    by_id = {c["id"]: c for c in everyone["customers"]["nodes"]}
    assert list(by_id) == [c["id"] for c in book.customers]
    target = book.customers[3]
    assert await listed(ref=target["externalRef"]) == [target["id"]]
    assert await listed(ref=f"  {target['externalRef']} ") == [target["id"]]  # trimmed, as on create
    assert await listed(ref="nobody-has-this-ref") == []
    for kind in ("INDIVIDUAL", "BUSINESS"):
        assert await listed(kind=kind) == [i for i, c in by_id.items() if c["kind"] == kind]
    for status in ("APPROVED", "NONE", "PENDING", "REJECTED"):
        assert await listed(kyc=status) == [i for i, c in by_id.items() if c["kycStatus"] == status]
    assert {c["kycStatus"] for c in by_id.values()} == {"APPROVED", "NONE", "PENDING"}
    both = await listed(kind="BUSINESS", kyc="APPROVED")
    assert both and both == [i for i, c in by_id.items() if c["kind"] == "BUSINESS" and c["kycStatus"] == "APPROVED"]
    assert await listed(ref=target["externalRef"], kind="BUSINESS" if target["kind"] == "INDIVIDUAL" else "INDIVIDUAL") == []


TX_FIELDS = "nodes { id kind status createdAt fromWallet { id } toWallet { id } }"
TX_FILTER = ("query($w: ID, $kind: TransactionKind, $status: TransactionStatus, $from: DateTime, $to: DateTime) {"
             f" transactions(first: 100, walletId: $w, kind: $kind, status: $status, createdFrom: $from, createdTo: $to)"
             f" {{ {TX_FIELDS} }} }}")
WALLET_TX_FILTER = ("query($w: ID!, $kind: TransactionKind, $status: TransactionStatus, $from: DateTime, $to: DateTime) {"
                    " wallet(id: $w) { transactions(first: 100, kind: $kind, status: $status, createdFrom: $from,"
                    f" createdTo: $to) {{ {TX_FIELDS} }} }} }}")


async def test_transactions_by_wallet_kind_status_and_created_range(book):
    partner = book.partner
    everything = (await partner.ok(TX_FILTER))["transactions"]["nodes"]
    assert len(everything) == 11

    async def listed(**variables: Any) -> list[str]:
        top = [t["id"] for t in (await partner.ok(TX_FILTER, variables))["transactions"]["nodes"]]
        if variables.get("w"):
            nested = (await partner.ok(WALLET_TX_FILTER, variables))["wallet"]["transactions"]["nodes"]
            assert [t["id"] for t in nested] == top  # the wallet's field and the walletId filter agree
        return top

    def expected(wallet: str | None = None, kind: str | None = None, status: str | None = None,
                 start: str | None = None, end: str | None = None) -> list[str]:
        def keep(t: dict[str, Any]) -> bool:
            at = datetime.fromisoformat(t["createdAt"])
            return ((wallet is None or wallet in ((t["fromWallet"] or {}).get("id"), (t["toWallet"] or {}).get("id")))
                    and (kind is None or t["kind"] == kind) and (status is None or t["status"] == status)
                    and (start is None or at >= datetime.fromisoformat(start))
                    and (end is None or at < datetime.fromisoformat(end)))
        return [t["id"] for t in everything if keep(t)]

    for wallet in (book.busy, book.other):
        assert await listed(w=wallet) == expected(wallet) != []
        for kind in ("TOP_UP", "TRANSFER", "WITHDRAWAL"):
            assert await listed(w=wallet, kind=kind) == expected(wallet, kind)
    assert len(await listed(w=book.busy, kind="TRANSFER")) == 5
    assert len(await listed(w=book.other, kind="WITHDRAWAL")) == 0
    assert await listed(status="POSTED") == [t["id"] for t in everything]
    assert await listed(status="HELD") == [] and await listed(w=book.busy, status="REJECTED") == []
    # createdFrom is inclusive, createdTo exclusive (the exact createdAt of two transactions).
    oldest_first = everything[::-1]
    start, end = oldest_first[2]["createdAt"], oldest_first[8]["createdAt"]
    window = await listed(**{"from": start, "to": end})
    assert window == expected(start=start, end=end) == [t["id"] for t in oldest_first[2:8]][::-1]
    assert await listed(w=book.busy, kind="TRANSFER", **{"from": start, "to": end}) == expected(
        book.busy, "TRANSFER", start=start, end=end) != []
    assert await listed(**{"from": oldest_first[-1]["createdAt"]}) == [oldest_first[-1]["id"]]
    assert await listed(**{"to": oldest_first[0]["createdAt"]}) == []


# --- refusals ------------------------------------------------------------------------------------

def _refused(body: dict[str, Any], field: list[str], words: str) -> None:
    assert error_codes(body) == ["VALIDATION"], body
    error = body["errors"][0]
    assert error["extensions"]["field"] == field and words in error["message"], error


@pytest.mark.parametrize("name", ["customers", "transactions", "transactions of a wallet", "wallet.transactions"])
async def test_paging_arguments_are_checked_on_every_list(book, name):
    document, _ = LISTS[name]
    variables: dict[str, Any] = {"w": book.busy} if "$w" in document else {}
    cases = [
        ({"first": 2, "last": 2}, ["last"], "first and last cannot be used together"),
        ({"last": 0}, ["last"], "between 1 and 100"),
        ({"last": 101}, ["last"], "between 1 and 100"),
        ({"first": 101}, ["first"], "between 1 and 100"),
        ({"after": "bm9wZQ"}, ["after"], "after is not a valid cursor"),
        ({"last": 2, "before": "bm9wZQ"}, ["before"], "before is not a valid cursor"),
        ({"before": ""}, ["before"], "before is not a valid cursor"),
    ]
    for arguments, field, words in cases:
        _refused(await book.partner.gql(document, {**variables, **arguments}), field, words)


async def test_filters_are_checked(book):
    at = "2026-01-01T00:00:00+00:00"
    for document, extra in ((TX_FILTER, {}), (WALLET_TX_FILTER, {"w": book.busy})):
        for start, end in ((at, at), ("2026-01-02T00:00:00+00:00", at)):
            body = await book.partner.gql(document, {**extra, "from": start, "to": end})
            _refused(body, ["createdTo"], "createdFrom must be before createdTo")
    _refused(await book.partner.gql(CUSTOMER_FILTER, {"ref": "  "}), ["externalRef"], "must not be empty")
    body = await book.partner.gql(CUSTOMER_FILTER, {"kind": "ROBOT"})
    assert error_codes(body) == ["BAD_REQUEST"], body  # not one of the enum's values: refused by GraphQL itself


# --- SQL statements --------------------------------------------------------------------------------

async def _partner_with(http, customers: int) -> GraphQLClient:
    """A partner whose customers each hold two wallets with three transactions each."""
    partner = await ApiClientFactory(http).partner()
    for _ in range(customers):
        customer = await partner.create_customer()
        first, second = [(await partner.open_wallet("CNY", customer_id=customer["id"]))["id"] for _ in range(2)]
        for wallet in (first, second):
            assert (await partner.top_up(wallet, "30.00"))["userErrors"] == []
        assert (await partner.transfer(first, second, "1.00"))["userErrors"] == []
        assert (await partner.top_up(first, "2.00"))["userErrors"] == []
        assert (await partner.top_up(second, "3.00"))["userErrors"] == []
    return partner


async def _statements(partner: GraphQLClient, document: str, variables: dict[str, Any] | None = None):
    with count_queries() as log:
        data = await partner.ok(document, variables)
    return data, log


async def test_customers_wallets_transactions_cost_the_same_statements_for_5_and_40_customers(http):
    few_partner, many_partner = await _partner_with(http, 5), await _partner_with(http, 40)
    few, few_sql = await _statements(few_partner, NESTED)
    many, many_sql = await _statements(many_partner, NESTED)

    for data, customers in ((few, 5), (many, 40)):
        nodes = data["customers"]["nodes"]
        assert len(nodes) == customers
        assert all(len(c["wallets"]["nodes"]) == 2 for c in nodes)
        assert all(len(w["transactions"]["nodes"]) == 3 for c in nodes for w in c["wallets"]["nodes"])
    assert len(many_sql.statements) == len(few_sql.statements), (
        f"5 customers cost {len(few_sql.statements)} statements, 40 cost {len(many_sql.statements)}:\n"
        + many_sql.listing())
    # customers, wallet ids, wallets, transaction ids, transactions.
    assert len(many_sql.statements) <= 5, many_sql.listing()

    # Backward and filtered at every level: still the same number, whatever the size.
    variables = {"from": "2020-01-01T00:00:00Z"}
    few_back, few_back_sql = await _statements(few_partner, NESTED_BACKWARD_FILTERED, variables)
    many_back, many_back_sql = await _statements(many_partner, NESTED_BACKWARD_FILTERED, variables)
    assert len(many_back["customers"]["nodes"]) == 40
    assert all(t["kind"] == "TOP_UP" and len(w["transactions"]["nodes"]) == 2
               for c in many_back["customers"]["nodes"] for w in c["wallets"]["nodes"] for t in w["transactions"]["nodes"])
    assert len(many_back_sql.statements) == len(few_back_sql.statements) == len(many_sql.statements), (
        many_back_sql.listing())
