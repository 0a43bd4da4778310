"""Every bad input gets a stable code and changes nothing: no balance moves, no row
is written, no idempotency key is used up, and no response is a 500 or a traceback."""

from __future__ import annotations

import pytest

from models import Wallet
from models.enums import WalletStatus
from tests.api.support import assert_no_leak, error_codes, ledger_counts, object_uuid, random_global_id, snapshot
from tests.factories import UNLIMITED_COUNTRY, GraphQLClient, ensure_unlimited_pack, next_id

MAX_MINOR = 2**63 - 1

TOP_UP = (
    "mutation($input: WalletTopUpInput!) { walletTopUp(input: $input) {"
    " transaction { id } userErrors { code message field } } }"
)
TRANSFER = (
    "mutation($input: TransferCreateInput!) { transferCreate(input: $input) {"
    " transaction { id } userErrors { code message field } } }"
)
WITHDRAW = (
    "mutation($input: WithdrawalCreateInput!) { withdrawalCreate(input: $input) {"
    " transaction { id } userErrors { code message field } } }"
)
WALLET_OPEN = (
    "mutation($input: WalletOpenInput!) { walletOpen(input: $input) {"
    " wallet { id } userErrors { code message field } } }"
)
CUSTOMER_CREATE = (
    "mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {"
    " customer { id } userErrors { code message field } } }"
)


async def _funded(partner: GraphQLClient, currency: str = "CNY", amount: str = "10.00") -> tuple[str, str]:
    """Two wallets of one currency; the first holds `amount`."""
    source = await partner.open_wallet(currency)
    target = await partner.open_wallet(currency)
    assert (await partner.top_up(source["id"], amount))["userErrors"] == []
    return source["id"], target["id"]


async def _mutate(partner: GraphQLClient, document: str, name: str, values: dict) -> dict:
    """Run one mutation with a fresh idempotency key unless one is given; return its payload."""
    values = {"idempotencyKey": next_id("bad"), **values}
    body = await partner.gql(document, {"input": values})
    assert not body.get("errors"), body
    return body["data"][name]


def _refused(payload: dict, code: str, field: list[str] | None = None) -> None:
    """The payload is a refusal with exactly this code (and field) and no object."""
    assert [e["code"] for e in payload["userErrors"]] == [code], payload
    assert payload["userErrors"][0]["message"], "every refusal explains itself"
    if field is not None:
        assert payload["userErrors"][0]["field"] == field, payload
    assert all(value is None for key, value in payload.items() if key != "userErrors"), payload


# --- amounts ---------------------------------------------------------------

BAD_AMOUNTS = [
    "0", "0.00", "-5", "-0.01", "abc", "1.234", "", " ", "1e3", "1E3", "+5", ".5", "5.", "1,000.00",
    "0x10", "NaN", "Infinity", "１２", "12 50", "--1",
    "92233720368547758.08",  # 2**63 minor units of CNY: one more than a BIGINT holds
    "1" + "0" * 30,
    "9" * 41,
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
async def test_bad_amounts_are_invalid_amount(clients, amount):
    partner = await clients.partner()
    source, target = await _funded(partner)
    before = await snapshot(partner, [source, target])
    for document, name, values in (
        (TOP_UP, "walletTopUp", {"walletId": source, "amount": amount}),
        (WITHDRAW, "withdrawalCreate", {"walletId": source, "amount": amount}),
        (TRANSFER, "transferCreate", {"fromWalletId": source, "toWalletId": target, "amount": amount}),
    ):
        _refused(await _mutate(partner, document, name, values), "INVALID_AMOUNT", ["amount"])
    assert await snapshot(partner, [source, target]) == before


async def test_amount_just_within_64_bits_is_accepted_but_a_balance_never_overflows(clients):
    partner = await clients.partner()
    # Near-2**63 amounts pass every tier limit only where none applies (a test-only pack).
    await ensure_unlimited_pack()
    owner = (await partner.create_customer(country=UNLIMITED_COUNTRY))["id"]
    # TND has three decimals; this currency is used by no other test.
    big = (await partner.open_wallet("TND", customer_id=owner))["id"]
    small = (await partner.open_wallet("TND", customer_id=owner))["id"]
    assert (await partner.top_up(small, "0.002"))["userErrors"] == []
    almost_max = f"{(MAX_MINOR - 1) // 1000}.{(MAX_MINOR - 1) % 1000:03d}"
    assert (await partner.top_up(big, almost_max))["userErrors"] == []
    try:
        before = await snapshot(partner, [big, small])
        assert before["balances"][big] == almost_max
        _refused(await partner.top_up(big, "0.002"), "INVALID_AMOUNT", ["amount"])
        _refused(await partner.transfer(small, big, "0.002"), "INVALID_AMOUNT", ["amount"])
        one_too_many = f"{MAX_MINOR // 1000}.{MAX_MINOR % 1000 + 1:03d}"
        _refused(await partner.top_up(small, one_too_many), "INVALID_AMOUNT", ["amount"])
        assert await snapshot(partner, [big, small]) == before
    finally:
        # Leave no near-2**63 balance behind for other tests that sum balances.
        await partner.withdraw(big, almost_max)
        await partner.withdraw(small, "0.002")
    assert await partner.balance(big) == "0.000"


@pytest.mark.parametrize(
    "amount", [12.5, 10, True, {"value": "1"}, ["1"]], ids=["float", "int", "bool", "object", "list"]
)
async def test_a_non_string_amount_is_a_graphql_error_not_a_500(clients, amount):
    partner = await clients.partner()
    source, _ = await _funded(partner)
    before = await snapshot(partner, [source])
    response = await partner.raw(TOP_UP, {"input": {"walletId": source, "amount": amount, "idempotencyKey": "k"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["BAD_REQUEST"], body
    assert "Decimal" in body["errors"][0]["message"]
    assert_no_leak(response.text)
    # The same mistake written inline in the document.
    inline = await partner.raw(
        'mutation { walletTopUp(input: {walletId: "%s", amount: 12.5, idempotencyKey: "k"}) { transaction { id } } }'
        % source
    )
    assert inline.status_code == 200 and error_codes(inline.json()) == ["BAD_REQUEST"], inline.text
    assert_no_leak(inline.text)
    assert await snapshot(partner, [source]) == before


# --- identifiers -----------------------------------------------------------

GARBAGE_IDS = [
    "", "1", "!!!", "null", "V2FsbGV0OjE",  # "Wallet:1"
    "V2FsbGV0Om5vdC1hLXV1aWQ",  # "Wallet:not-a-uuid"
    "x" * 5000,
    "../../etc/passwd",
    "' OR 1=1 --",
]


READ_PROBES = {
    "Customer": ["query($id: ID!) { customer(id: $id) { id } }",
                 "query($id: ID) { wallets(customerId: $id) { nodes { id } } }"],
    "Wallet": ["query($id: ID!) { wallet(id: $id) { id } }",
               "query($id: ID) { transactions(walletId: $id) { nodes { id } } }"],
    "Transaction": ["query($id: ID!) { transaction(id: $id) { id } }"],
}


@pytest.mark.parametrize("kind", ["random", "garbage", "wrong-type"])
async def test_unknown_ids_answer_not_found_on_every_query(clients, kind):
    partner = await clients.partner()
    wallet_id, _ = await _funded(partner)
    read = await partner.ok("query($id: ID!) { wallet(id: $id) { customer { id } } }", {"id": wallet_id})
    customer_id = read["wallet"]["customer"]["id"]
    txn_id = (await partner.ok("{ transactions(first: 1) { nodes { id } } }"))["transactions"]["nodes"][0]["id"]
    if kind == "random":
        ids = {name: [random_global_id(name)] for name in READ_PROBES}
    elif kind == "garbage":
        ids = {name: GARBAGE_IDS for name in READ_PROBES}
    else:
        # Real objects of this partner, but of another type.
        ids = {"Customer": [wallet_id, txn_id], "Wallet": [customer_id, txn_id], "Transaction": [wallet_id, customer_id]}
    for type_name, documents in READ_PROBES.items():
        for object_id in ids[type_name]:
            for document in documents:
                response = await partner.raw(document, {"id": object_id})
                assert response.status_code == 200, response.text
                body = response.json()
                assert not any((body["data"] or {}).values()), (document, object_id, body)
                assert error_codes(body) == ["NOT_FOUND"], (document, object_id, body)
                assert_no_leak(response.text)
    # node(id:): a string that is not a global ID is a VALIDATION error ...
    for object_id in [*GARBAGE_IDS[:4], "x" * 5000]:
        body = await partner.gql("query($id: ID!) { node(id: $id) { id } }", {"id": object_id})
        assert body["data"] == {"node": None} and error_codes(body) == ["VALIDATION"], body
    # ... and a well-formed ID naming nothing this caller may see is null, with no error (like a missing row).
    for object_id in ["V2FsbGV0OjE", "V2FsbGV0Om5vdC1hLXV1aWQ", random_global_id("Partner"), random_global_id("Entry"),
                      random_global_id("AuditEvent"), random_global_id("Customer")]:
        body = await partner.gql("query($id: ID!) { node(id: $id) { id } }", {"id": object_id})
        assert body == {"data": {"node": None}}, body


def _bad_id(kind: str, type_name: str) -> str:
    """An ID that names no object of this type for this partner."""
    return {
        "random": random_global_id(type_name),
        "garbage": "garbage",
        "empty": "",
        "other-type": random_global_id("Transaction"),
        "integer": "42",
    }[kind]


@pytest.mark.parametrize("kind", ["random", "garbage", "empty", "other-type", "integer"])
async def test_unknown_ids_in_mutations_are_not_found_and_change_nothing(clients, kind):
    partner = await clients.partner()
    source, target = await _funded(partner)
    before = await snapshot(partner, [source, target])
    bad_wallet = _bad_id(kind, "Wallet")
    cases = [
        (TOP_UP, "walletTopUp", {"walletId": bad_wallet, "amount": "1.00"}, ["walletId"]),
        (WITHDRAW, "withdrawalCreate", {"walletId": bad_wallet, "amount": "1.00"}, ["walletId"]),
        (TRANSFER, "transferCreate", {"fromWalletId": bad_wallet, "toWalletId": target, "amount": "1.00"}, ["fromWalletId"]),
        (TRANSFER, "transferCreate", {"fromWalletId": source, "toWalletId": bad_wallet, "amount": "1.00"}, ["toWalletId"]),
    ]
    for document, name, values, field in cases:
        _refused(await _mutate(partner, document, name, values), "NOT_FOUND", field)
    body = await partner.gql(WALLET_OPEN, {"input": {"customerId": _bad_id(kind, "Customer"), "currency": "CNY"}})
    _refused(body["data"]["walletOpen"], "NOT_FOUND", ["customerId"])
    # A wallet ID where a customer ID belongs is just as unknown.
    body = await partner.gql(WALLET_OPEN, {"input": {"customerId": source, "currency": "CNY"}})
    _refused(body["data"]["walletOpen"], "NOT_FOUND", ["customerId"])
    assert await snapshot(partner, [source, target]) == before


# --- currencies, same wallet, funds, status --------------------------------


async def test_currency_mismatch(clients):
    partner = await clients.partner()
    cny, other_cny = await _funded(partner, "CNY", "50.00")
    usd = (await partner.open_wallet("USD"))["id"]
    before = await snapshot(partner, [cny, other_cny, usd])
    # A transfer into another currency needs an FX quote (issue 14): refused before anything moves.
    _refused(await partner.transfer(cny, usd, "1.00"), "QUOTE_REQUIRED", ["quoteId"])
    _refused(await _mutate(partner, TOP_UP, "walletTopUp", {"walletId": cny, "amount": "1.00", "currency": "USD"}),
             "CURRENCY_MISMATCH", ["currency"])
    _refused(await _mutate(partner, WITHDRAW, "withdrawalCreate", {"walletId": cny, "amount": "1.00", "currency": "EUR"}),
             "CURRENCY_MISMATCH", ["currency"])
    _refused(await _mutate(partner, TRANSFER, "transferCreate",
                           {"fromWalletId": cny, "toWalletId": other_cny, "amount": "1.00", "currency": "USD"}),
             "CURRENCY_MISMATCH", ["currency"])
    _refused(await _mutate(partner, TOP_UP, "walletTopUp", {"walletId": cny, "amount": "1.00", "currency": "XXX"}),
             "UNSUPPORTED_CURRENCY", ["currency"])
    assert await snapshot(partner, [cny, other_cny, usd]) == before


@pytest.mark.parametrize("currency", ["XXX", "", "RMB", "US", "usd1", "€"])
async def test_opening_a_wallet_in_an_unknown_currency_is_refused(clients, currency):
    partner = await clients.partner()
    customer = await partner.create_customer()
    before = await ledger_counts(partner)
    body = await partner.gql(WALLET_OPEN, {"input": {"customerId": customer["id"], "currency": currency}})
    _refused(body["data"]["walletOpen"], "UNSUPPORTED_CURRENCY", ["currency"])
    assert await ledger_counts(partner) == before


async def test_transfer_to_the_same_wallet(clients):
    partner = await clients.partner()
    source, _ = await _funded(partner)
    before = await snapshot(partner, [source])
    _refused(await partner.transfer(source, source, "1.00"), "SAME_WALLET", ["toWalletId"])
    assert await snapshot(partner, [source]) == before


async def test_insufficient_funds_is_refused_never_clamped(clients):
    partner = await clients.partner()
    source, target = await _funded(partner, "CNY", "10.00")
    before = await snapshot(partner, [source, target])
    _refused(await partner.withdraw(source, "10.01"), "INSUFFICIENT_FUNDS", ["walletId"])
    _refused(await partner.transfer(source, target, "10.01"), "INSUFFICIENT_FUNDS", ["fromWalletId"])
    _refused(await partner.withdraw(target, "0.01"), "INSUFFICIENT_FUNDS", ["walletId"])
    after = await snapshot(partner, [source, target])
    assert after == before
    assert after["balances"] == {source: "10.00", target: "0.00"}
    # The whole balance can still go: the refusals were not partial debits.
    assert (await partner.withdraw(source, "10.00"))["userErrors"] == []
    assert await partner.balance(source) == "0.00"


@pytest.mark.parametrize("status", [WalletStatus.FROZEN, WalletStatus.CLOSED])
async def test_frozen_or_closed_wallets_do_not_move_money(clients, status):
    partner = await clients.partner()
    stuck, active = await _funded(partner, "CNY", "20.00")
    assert (await partner.top_up(active, "5.00"))["userErrors"] == []
    # Freezing comes with a later issue's mutations; set the stored status directly.
    await Wallet.filter(id=object_uuid(stuck)).update(status=status)
    shown = await partner.ok("query($id: ID!) { wallet(id: $id) { status } }", {"id": stuck})
    assert shown["wallet"]["status"] == status.value
    before = await snapshot(partner, [stuck, active])
    _refused(await partner.top_up(stuck, "1.00"), "WALLET_NOT_ACTIVE", ["walletId"])
    _refused(await partner.withdraw(stuck, "1.00"), "WALLET_NOT_ACTIVE", ["walletId"])
    _refused(await partner.transfer(stuck, active, "1.00"), "WALLET_NOT_ACTIVE", ["fromWalletId"])
    _refused(await partner.transfer(active, stuck, "1.00"), "WALLET_NOT_ACTIVE", ["toWalletId"])
    assert await snapshot(partner, [stuck, active]) == before


# --- strings -----------------------------------------------------------------


def _customer(**overrides) -> dict:
    return {"externalRef": next_id("ref"), "kind": "INDIVIDUAL", "displayName": "Name", "country": "CN", **overrides}


CUSTOMER_REFUSALS = [
    ({"externalRef": "r" * 129}, "externalRef"),
    ({"externalRef": "   "}, "externalRef"),
    ({"displayName": "n" * 201}, "displayName"),
    ({"displayName": ""}, "displayName"),
    ({"displayName": "bad\x00name"}, "displayName"),
    ({"displayName": "bell\x07"}, "displayName"),
    ({"country": "ZZ"}, "country"),
    ({"country": "CHN"}, "country"),
    ({"country": ""}, "country"),
    ({"country": "C1"}, "country"),
    ({"email": "not-an-email"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"email": "@example.com"}, "email"),
    ({"email": "two@@example.com"}, "email"),
    ({"email": "x" * 250 + "@example.com"}, "email"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "+0123456789"}, "phone"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "+86" + "1" * 20}, "phone"),
]


@pytest.mark.parametrize(("overrides", "field"), CUSTOMER_REFUSALS, ids=[f for _, f in CUSTOMER_REFUSALS])
async def test_bad_customer_fields_are_validation_errors(clients, overrides, field):
    partner = await clients.partner()
    before = await ledger_counts(partner)
    body = await partner.gql(CUSTOMER_CREATE, {"input": _customer(**overrides)})
    assert not body.get("errors"), body
    _refused(body["data"]["customerCreate"], "VALIDATION", [field])
    assert await ledger_counts(partner) == before


async def test_customer_strings_at_their_limit_are_accepted(clients):
    partner = await clients.partner()
    body = await partner.gql(CUSTOMER_CREATE, {"input": _customer(externalRef="r" * 128, displayName="n" * 200)})
    assert body["data"]["customerCreate"]["userErrors"] == [], body
    again = await partner.gql(CUSTOMER_CREATE, {"input": _customer(externalRef="r" * 128)})
    _refused(again["data"]["customerCreate"], "ALREADY_EXISTS", ["externalRef"])


@pytest.mark.parametrize("kind", ["ROBOT", "individual", "", 1])
async def test_an_unknown_customer_kind_is_refused_by_the_schema(clients, kind):
    # `kind` is a GraphQL enum: a wrong value never reaches the service, so it is a
    # GraphQL error (BAD_REQUEST) rather than a VALIDATION userError.
    partner = await clients.partner()
    before = await ledger_counts(partner)
    response = await partner.raw(CUSTOMER_CREATE, {"input": _customer(kind=kind)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None and error_codes(body) == ["BAD_REQUEST"], body
    assert "kind" in body["errors"][0]["message"]
    assert_no_leak(response.text)
    assert await ledger_counts(partner) == before


async def test_over_long_memo_and_idempotency_key(clients):
    partner = await clients.partner()
    source, target = await _funded(partner, "CNY", "10.00")
    before = await snapshot(partner, [source, target])
    _refused(await partner.transfer(source, target, "1.00", memo="m" * 281), "VALIDATION", ["memo"])
    _refused(await partner.transfer(source, target, "1.00", memo="bad\x1bmemo"), "VALIDATION", ["memo"])
    for key in ("k" * 256, "", "has space", "tab\tkey", "ключ"):
        values = {"walletId": source, "amount": "1.00", "idempotencyKey": key}
        payload = await _mutate(partner, TOP_UP, "walletTopUp", values)
        _refused(payload, "VALIDATION", ["idempotencyKey"])
    assert await snapshot(partner, [source, target]) == before
    # Exactly at the limits both are fine.
    ok = await partner.transfer(source, target, "1.00", memo="m" * 280, key="k" * 255)
    assert ok["userErrors"] == [] and ok["transaction"]["memo"] == "m" * 280


# --- paging ------------------------------------------------------------------

PAGED = [
    "query($first: Int) { customers(first: $first) { nodes { id } } }",
    "query($first: Int) { wallets(first: $first) { nodes { id } } }",
    "query($first: Int) { transactions(first: $first) { nodes { id } } }",
    "query($first: Int) { customers(first: 1) { nodes { wallets(first: $first) { nodes { id } } } } }",
    "query($first: Int) { wallets(first: 1) { nodes { transactions(first: $first) { nodes { id } } } } }",
]


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_page_size_outside_1_to_100_is_a_validation_error(clients, first):
    partner = await clients.partner()
    await _funded(partner)
    for document in PAGED:
        response = await partner.raw(document, {"first": first})
        assert response.status_code == 200, response.text
        body = response.json()
        assert error_codes(body) == ["VALIDATION"], (document, body)
        assert body["errors"][0]["extensions"]["field"] == ["first"]
        assert_no_leak(response.text)


async def test_a_forged_cursor_is_a_validation_error(clients):
    partner = await clients.partner()
    await _funded(partner)
    for cursor in ("zzz", "", "Yzo", "x" * 300, "YzoAAAAAAAAAAAAAAAAAAAAAAA"):
        for document in ("query($a: String) { customers(first: 1, after: $a) { nodes { id } } }",
                         "query($a: String) { wallets(first: 1) { nodes { transactions(after: $a) { nodes { id } } } } }"):
            body = await partner.gql(document, {"a": cursor})
            assert error_codes(body) == ["VALIDATION"], (cursor, body)


async def test_a_page_size_beyond_32_bits_is_a_graphql_error(clients):
    partner = await clients.partner()
    response = await partner.raw("{ customers(first: 3000000000) { nodes { id } } }")
    assert response.status_code == 200 and error_codes(response.json()) == ["BAD_REQUEST"], response.text
    response = await partner.raw("query($f: Int) { customers(first: $f) { nodes { id } } }", {"f": "abc"})
    assert response.status_code == 200 and error_codes(response.json()) == ["BAD_REQUEST"], response.text


# --- malformed requests ----------------------------------------------------


async def test_malformed_requests_are_4xx_or_graphql_errors_never_500(clients, http):
    partner = await clients.partner()
    source, _ = await _funded(partner)
    before = await snapshot(partner, [source])
    auth = {"Authorization": f"Bearer {partner.token}"}
    # One closing brace short: a syntax error.
    top_up = (
        'mutation { walletTopUp(input: {walletId: "%s", amount: "1.00", idempotencyKey: "k"}) { transaction { id } }'
        % source
    )
    requests = {
        "syntax error": dict(json={"query": top_up}),
        "garbage document": dict(json={"query": "}}}{{{ not graphql"}),
        "empty document": dict(json={"query": ""}),
        "unknown field": dict(json={"query": "{ balanceOfEveryone }"}),
        "unknown operation name": dict(json={"query": "query A { viewer { kind } }", "operationName": "B"}),
        "malformed JSON": dict(content=b'{"query": "{ viewer { kind } }"', headers={"content-type": "application/json"}),
        "not UTF-8": dict(content=b"\xff\xfe\x00", headers={"content-type": "application/json"}),
        "empty body": dict(content=b"", headers={"content-type": "application/json"}),
        "JSON array (batch)": dict(json=[{"query": "{ viewer { kind } }"}, {"query": "{ viewer { kind } }"}]),
        "JSON string": dict(json="{ viewer { kind } }"),
        "JSON null": dict(content=b"null", headers={"content-type": "application/json"}),
        "query not a string": dict(json={"query": ["{ viewer { kind } }"]}),
        "no query": dict(json={"variables": {}}),
        "variables a list": dict(json={"query": "{ viewer { kind } }", "variables": [1, 2]}),
        "variables a string": dict(json={"query": "{ viewer { kind } }", "variables": "{}"}),
        "text/plain": dict(content=b"{ viewer { kind } }", headers={"content-type": "text/plain"}),
        "form encoded": dict(data={"query": "{ viewer { kind } }"}),
        "application/graphql": dict(content=b"{ viewer { kind } }", headers={"content-type": "application/graphql"}),
        "XML": dict(content=b"<query/>", headers={"content-type": "application/xml"}),
        "too large": dict(json={"query": "{ viewer { kind } }", "pad": "x" * 300_000}),
        "too deep": dict(json={"query": "{ wallets { nodes { customer { wallets { nodes { customer { wallets {"
                                        " nodes { customer { wallets { nodes { id } } } } } } } } } } } }"}),
        "too many aliases": dict(json={"query": "{ " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(40)) + " }"}),
    }
    for label, kwargs in requests.items():
        headers = {**auth, **kwargs.pop("headers", {})}
        response = await http.post("/graphql", headers=headers, **kwargs)
        assert response.status_code < 500, (label, response.status_code, response.text[:300])
        assert_no_leak(response.text)
        if response.status_code == 200:
            body = response.json()
            assert body.get("errors"), (label, body)
            assert all(code for code in error_codes(body)), (label, body)
        else:
            assert 400 <= response.status_code < 500, label
    for label, response in {
        "GET with a mutation": await http.get("/graphql", params={"query": top_up + " }"}, headers=auth),
        "PUT": await http.put("/graphql", json={"query": "{ viewer { kind } }"}, headers=auth),
        "DELETE": await http.delete("/graphql", headers=auth),
    }.items():
        assert 400 <= response.status_code < 500, (label, response.status_code, response.text[:300])
        assert_no_leak(response.text)
    assert await snapshot(partner, [source]) == before
