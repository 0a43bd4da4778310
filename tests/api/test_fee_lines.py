"""Typed fees over GraphQL (contract 1.1): FeeRule's typed fields, FeeLine on transactions and quotes,
revenue grouped by partner with global IDs, and fee lines that cost no query per transaction.

Every rule here belongs to the test's own partner, so no other test is charged by it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from schema.common.relay import to_global_id
from tests.api.staff_support import StaffClient, StaffFactory, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes
from tests.factories import ApiClientFactory, GraphQLClient
from tests.query_counter import count_queries

PAYLOAD = "userErrors { code message field }"
TYPED = (
    "id feeKind ruleScope currency corridorFilter destinationCountry customerKindFilter"
    " minimumAmount { amount currency } maximumAmount { amount currency } fixedFee { amount currency } rateBps"
    " minimumFee { amount currency } maximumFee { amount currency } freePerMonth effectiveFrom effectiveTo"
)
LEGACY = "scope kind corridor customerKind amountMin amountMax fixed feeMin feeMax"
CREATE = (
    f"mutation($input: FeeRuleInput!) {{ feeRuleCreate(input: $input) {{"
    f" rule {{ {TYPED} {LEGACY} partner {{ id }} }} {PAYLOAD} }} }}"
)
SCHEDULE = f"{{ feeSchedule {{ {TYPED} partner {{ id name }} }} }}"
LINES = "feeLines { kind amount { amount currency } freeAllowanceUsed rule { id feeKind } }"
TRANSACTION = f"query($id: ID!) {{ transaction(id: $id) {{ id fee {{ amount currency }} feeBreakdown {LINES} }} }}"
QUOTE = (
    "query($input: FeeQuoteInput!) { feeQuote(input: $input) { feeKind fee { amount } breakdown"
    " lines { kind amount { amount currency } freeAllowanceUsed rule { id } } } }"
)
REVENUE = (
    "query($f: DateTime!, $t: DateTime!, $g: RevenueGrouping!) {"
    " feeRevenue(occurredFrom: $f, occurredTo: $t, groupBy: $g) { group transactions revenue { amount currency }"
    " partner { id name } } }"
)
LIST = f"query($first: Int!) {{ transactions(first: $first) {{ nodes {{ id fee {{ amount }} {LINES} }} }} }}"


def _partner_gid(partner: GraphQLClient) -> str:
    return to_global_id("Partner", uuid.UUID(partner.partner_id))


def _later(hours: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat()


@pytest.fixture
async def admin(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("admin")


async def _rule(admin: StaffClient, **values: Any) -> dict[str, Any]:
    payload = (await admin.ok(CREATE, {"input": values}))["feeRuleCreate"]
    assert payload["userErrors"] == [], payload
    return payload["rule"]


def _cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


# --- FeeRule: typed fields mirror the input ----------------------------------------------------------


async def test_a_rules_typed_fields_are_what_its_input_set(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    starts, ends = _later(1), _later(48)
    rule = await _rule(
        admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", corridor="CROSS_BORDER", destinationCountry="US",
        customerKind="BUSINESS", amountMin="10.00", amountMax="1000.00", fixed="1.50", rateBps=25, feeMin="2.00",
        feeMax="20.00", freePerMonth=3, effectiveFrom=starts, effectiveTo=ends,
    )
    assert (rule["feeKind"], rule["ruleScope"], rule["currency"]) == ("WITHDRAWAL", "PARTNER", "CNY")
    assert (rule["corridorFilter"], rule["destinationCountry"], rule["customerKindFilter"]) == ("CROSS_BORDER", "US", "BUSINESS")
    assert (rule["minimumAmount"], rule["maximumAmount"]) == (_cny("10.00"), _cny("1000.00"))
    assert (rule["fixedFee"], rule["minimumFee"], rule["maximumFee"]) == (_cny("1.50"), _cny("2.00"), _cny("20.00"))
    assert (rule["rateBps"], rule["freePerMonth"]) == (25, 3)
    assert rule["partner"] == {"id": pid}
    # The deprecated String fields still answer, with the same values.
    assert (rule["scope"], rule["kind"], rule["corridor"], rule["customerKind"]) == ("PARTNER", "WITHDRAWAL", "CROSS_BORDER", "BUSINESS")
    assert (rule["amountMin"], rule["amountMax"], rule["fixed"], rule["feeMin"], rule["feeMax"]) == (
        "10.00", "1000.00", "1.50", "2.00", "20.00")

    # The partner reads the same rule in its schedule, and itself as its partner.
    seen = {r["id"]: r for r in (await partner.ok(SCHEDULE))["feeSchedule"]}
    assert seen[rule["id"]]["partner"]["id"] == pid
    assert {k: v for k, v in seen[rule["id"]].items() if k != "partner"} == {k: rule[k] for k in seen[rule["id"]] if k != "partner"}


async def test_unset_terms_and_a_rate_only_rule(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    plain = await _rule(admin, kind="PAYMENT", partnerId=pid, currency="JPY", fixed="5")
    assert (plain["fixedFee"], plain["minimumFee"]) == ({"amount": "5", "currency": "JPY"}, {"amount": "0", "currency": "JPY"})
    assert (plain["maximumFee"], plain["minimumAmount"], plain["maximumAmount"]) == (None, None, None)
    assert (plain["corridorFilter"], plain["customerKindFilter"], plain["destinationCountry"]) == (None, None, None)
    # No currency: the rule charges a rate only, and Money needs a currency, so every Money term is null.
    rate_only = await _rule(admin, kind="TOP_UP", partnerId=pid, rateBps=50)
    assert rate_only["currency"] is None and rate_only["rateBps"] == 50
    assert [rate_only[k] for k in ("fixedFee", "minimumFee", "maximumFee", "minimumAmount", "maximumAmount")] == [None] * 5
    assert (rate_only["fixed"], rate_only["feeMin"]) == ("0", "0")  # deprecated: minor units without a currency


async def test_staff_see_the_partner_of_a_partner_rule(clients: ApiClientFactory, admin, staff):  # noqa: F811
    partner = await clients.partner()
    pid = _partner_gid(partner)
    rule = await _rule(admin, kind="PAYMENT", partnerId=pid, currency="CNY", fixed="0.10")
    support = await staff("support")
    body = await support.ok("query($id: ID!) { node(id: $id) { ... on FeeRule { ruleScope partner { id name } } } }",
                            {"id": rule["id"]})
    assert body["node"]["ruleScope"] == "PARTNER" and body["node"]["partner"]["id"] == pid


# --- FeeLine on transactions ----------------------------------------------------------------------------


async def test_a_charged_transfer_has_one_fee_line_naming_its_rule(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    rule = await _rule(admin, kind="TRANSFER", partnerId=_partner_gid(partner), currency="CNY", fixed="1.00", rateBps=100)
    w1, w2 = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(w1["id"], "500.00"))["userErrors"] == []
    posted = await partner.transfer(w1["id"], w2["id"], "100.00")
    assert posted["userErrors"] == [], posted
    tx = (await partner.ok(TRANSACTION, {"id": posted["transaction"]["id"]}))["transaction"]
    assert tx["fee"] == _cny("2.00")
    assert tx["feeLines"] == [
        {"kind": "TRANSFER", "amount": _cny("2.00"), "freeAllowanceUsed": False, "rule": {"id": rule["id"], "feeKind": "TRANSFER"}}
    ]
    # The deprecated JSON still answers, naming the rule by its global ID.
    assert tx["feeBreakdown"]["rule_id"] == rule["id"] and tx["feeBreakdown"]["fee_minor"] == 200


async def test_a_free_allowance_line_is_zero_and_says_so(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    rule = await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", fixed="0.50", freePerMonth=1)
    wallet = await partner.open_wallet("CNY")
    assert (await partner.top_up(wallet["id"], "100.00"))["userErrors"] == []
    lines = []
    for _ in range(2):
        posted = await partner.withdraw(wallet["id"], "1.00")
        assert posted["userErrors"] == [], posted
        lines.append((await partner.ok(TRANSACTION, {"id": posted["transaction"]["id"]}))["transaction"]["feeLines"])
    rule_ref = {"id": rule["id"], "feeKind": "WITHDRAWAL"}
    assert lines == [
        [{"kind": "WITHDRAWAL", "amount": _cny("0.00"), "freeAllowanceUsed": True, "rule": rule_ref}],
        [{"kind": "WITHDRAWAL", "amount": _cny("0.50"), "freeAllowanceUsed": False, "rule": rule_ref}],
    ]


async def test_a_transaction_without_a_fee_has_no_lines(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    # A WITHDRAWAL rule in another currency: a CNY withdrawal finds no rule that applies.
    await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="USD", fixed="1.00")
    wallet = await partner.open_wallet("CNY")
    top_up = await partner.top_up(wallet["id"], "10.00")  # no TOP_UP rule at all
    withdrawal = await partner.withdraw(wallet["id"], "1.00")
    for posted in (top_up, withdrawal):
        assert posted["userErrors"] == [], posted
        tx = (await partner.ok(TRANSACTION, {"id": posted["transaction"]["id"]}))["transaction"]
        assert tx["fee"] == _cny("0.00") and tx["feeLines"] == []


async def test_fee_lines_without_fees_read_hide_only_the_rule(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", fixed="0.30")
    customer = await partner.create_customer()
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    assert (await partner.top_up(wallet["id"], "10.00"))["userErrors"] == []
    posted = await partner.withdraw(wallet["id"], "1.00")
    token = await customer_session(partner, customer["id"], ["transactions:read"])
    query = "query($id: ID!) { transaction(id: $id) { feeLines { kind amount { amount } freeAllowanceUsed } } }"
    lines = (await token.ok(query, {"id": posted["transaction"]["id"]}))["transaction"]["feeLines"]
    assert lines == [{"kind": "WITHDRAWAL", "amount": {"amount": "0.30"}, "freeAllowanceUsed": False}]
    body = await token.gql(TRANSACTION, {"id": posted["transaction"]["id"]})
    assert error_codes(body) == ["FORBIDDEN"]  # the rule needs fees:read, like FeeQuote.rule
    assert body["data"]["transaction"]["feeLines"][0]["rule"] is None


# --- FeeLine on quotes --------------------------------------------------------------------------------------


async def test_a_quote_has_the_lines_the_posting_will_have(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    rule = await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", rateBps=100)
    wallet = await partner.open_wallet("CNY")
    quote = (await partner.ok(QUOTE, {"input": {"kind": "WITHDRAWAL", "amount": "250.00", "currency": "CNY",
                                                "fromWalletId": wallet["id"]}}))["feeQuote"]
    assert quote["lines"] == [{"kind": "WITHDRAWAL", "amount": _cny("2.50"), "freeAllowanceUsed": False, "rule": {"id": rule["id"]}}]
    assert quote["breakdown"]["rule_id"] == rule["id"]  # deprecated JSON: the rule's global ID
    none = (await partner.ok(QUOTE, {"input": {"kind": "PAYMENT", "amount": "1.00", "currency": "CNY",
                                               "fromWalletId": wallet["id"]}}))["feeQuote"]
    assert none["lines"] == [] and none["fee"]["amount"] == "0.00"


# --- feeRevenue by partner -------------------------------------------------------------------------------------


async def test_revenue_by_partner_names_the_partner_by_global_id(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="2.00")
    start = datetime.now(timezone.utc)
    wallet = await partner.open_wallet("CNY")
    assert (await partner.top_up(wallet["id"], "10.00"))["userErrors"] == []
    assert (await partner.withdraw(wallet["id"], "1.00"))["userErrors"] == []
    window = {"f": start.isoformat(), "t": (datetime.now(timezone.utc) + timedelta(milliseconds=1)).isoformat()}
    lines = (await admin.ok(REVENUE, {**window, "g": "PARTNER"}))["feeRevenue"]
    mine = [line for line in lines if line["group"] == pid]
    assert len(mine) == 1 and mine[0]["revenue"] == _cny("2.00") and mine[0]["transactions"] == 1
    assert mine[0]["partner"]["id"] == pid and mine[0]["partner"]["name"]
    by_kind = (await admin.ok(REVENUE, {**window, "g": "KIND"}))["feeRevenue"]
    assert by_kind and all(line["partner"] is None for line in by_kind)


# --- no query per transaction ----------------------------------------------------------------------------------


async def test_listing_20_transactions_with_fee_rules_costs_as_many_queries_as_2(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    transfer = await _rule(admin, kind="TRANSFER", partnerId=pid, currency="CNY", fixed="0.10")
    withdrawal = await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="0.20")
    w1, w2 = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(w1["id"], "500.00"))["userErrors"] == []
    for n in range(10):
        assert (await partner.transfer(w1["id"], w2["id"], "1.00"))["userErrors"] == []
        assert (await partner.withdraw(w1["id"], "1.00"))["userErrors"] == []

    async def listing(first: int) -> tuple[list[dict[str, Any]], list[str]]:
        with count_queries() as log:
            data = await partner.ok(LIST, {"first": first})
        return data["transactions"]["nodes"], log.statements

    small, small_sql = await listing(2)
    large, large_sql = await listing(20)
    assert len(small) == 2 and len(large) == 20
    rules = {line["rule"]["id"] for node in large for line in node["feeLines"]}
    assert rules == {transfer["id"], withdrawal["id"]}
    assert all(len(node["feeLines"]) == 1 for node in large)
    assert len(large_sql) == len(small_sql), (
        f"2 transactions cost {len(small_sql)} queries, 20 cost {len(large_sql)}:\n" + "\n".join(large_sql)
    )
    assert sum('"fee_rule"' in statement for statement in large_sql) == 1, "\n".join(large_sql)
