"""Fees over GraphQL: quotes, schedules, the admin's rule changes, revenue and fee shares.

Every rule here is scoped to the test's own partner (other tests move money in
the same database), except the one bank-default rule, which is in a currency
no other test uses (SGD) and is retired before the test ends.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from models import AuditEvent, FeeRule, Partner
from schema.common.relay import to_global_id
from services.fees.schedule import retire_rule
from tests.api.staff_support import StaffClient, StaffFactory, customer_session, staff  # noqa: F401 - fixture
from tests.api.support import error_codes, object_uuid
from tests.factories import ApiClientFactory, GraphQLClient

PAYLOAD = "userErrors { code message field }"
RULE = "rule { id scope kind currency fixed rateBps feeMin feeMax freePerMonth effectiveFrom effectiveTo }"
CREATE = f"mutation($input: FeeRuleInput!) {{ feeRuleCreate(input: $input) {{ {RULE} {PAYLOAD} }} }}"
UPDATE = f"mutation($input: FeeRuleUpdateInput!) {{ feeRuleUpdate(input: $input) {{ {RULE} {PAYLOAD} }} }}"
RETIRE = f"mutation($input: FeeRuleRetireInput!) {{ feeRuleRetire(input: $input) {{ {RULE} {PAYLOAD} }} }}"
SHARE = (
    f"mutation($input: PartnerFeeShareInput!) {{ partnerFeeShareSet(input: $input) {{"
    f" partner {{ id feeShareBps }} {PAYLOAD} }} }}"
)
QUOTE = (
    "query($input: FeeQuoteInput!) { feeQuote(input: $input) {"
    " feeKind amount { amount currency } fee { amount currency } totalDebit { amount } rule { id } breakdown } }"
)
SCHEDULE = "{ feeSchedule { id scope kind currency } }"
REVENUE = (
    "query($f: DateTime!, $t: DateTime!, $g: RevenueGrouping!) {"
    " feeRevenue(occurredFrom: $f, occurredTo: $t, groupBy: $g) { group transactions revenue { amount currency } } }"
)
TRANSACTION = "query($id: ID!) { transaction(id: $id) { id fee { amount currency } feeBreakdown } }"


def _partner_gid(partner: GraphQLClient) -> str:
    return to_global_id("Partner", uuid.UUID(partner.partner_id))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _create(admin: StaffClient, **values: Any) -> dict[str, Any]:
    data = await admin.ok(CREATE, {"input": values})
    return data["feeRuleCreate"]


async def _rule(admin: StaffClient, **values: Any) -> dict[str, Any]:
    payload = await _create(admin, **values)
    assert payload["userErrors"] == [], payload
    return payload["rule"]


async def _last_audit(operation: str, actor_id: uuid.UUID) -> AuditEvent | None:
    return await AuditEvent.filter(operation=operation, actor_id=str(actor_id)).order_by("-id").first()


@pytest.fixture
async def admin(staff: StaffFactory) -> StaffClient:  # noqa: F811 - the staff fixture
    return await staff("admin")


# --- feeQuote ---------------------------------------------------------------------------


async def test_partner_quotes_every_kind_and_a_cross_country_transfer_is_international(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    await _rule(admin, kind="TRANSFER", partnerId=pid, currency="CNY", fixed="1.00")
    await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", rateBps=100)
    await _rule(admin, kind="TOP_UP", partnerId=pid, currency="CNY", fixed="0.50")
    international = await _rule(admin, kind="INTERNATIONAL_TRANSFER", partnerId=pid, currency="CNY", fixed="5.00",
                                rateBps=50)
    cn1 = await partner.create_customer(country="CN")
    cn2 = await partner.create_customer(country="CN")
    us = await partner.create_customer(country="US")
    w1 = await partner.open_wallet("CNY", customer_id=cn1["id"])
    w2 = await partner.open_wallet("CNY", customer_id=cn2["id"])
    w3 = await partner.open_wallet("CNY", customer_id=us["id"])

    async def quote(**values: Any) -> dict[str, Any]:
        return (await partner.ok(QUOTE, {"input": {"currency": "CNY", **values}}))["feeQuote"]

    transfer = await quote(kind="TRANSFER", amount="100.00", fromWalletId=w1["id"], toWalletId=w2["id"])
    assert (transfer["feeKind"], transfer["fee"]["amount"], transfer["totalDebit"]["amount"]) == ("TRANSFER", "1.00", "101.00")
    withdrawal = await quote(kind="WITHDRAWAL", amount="250.00", fromWalletId=w1["id"])
    assert (withdrawal["feeKind"], withdrawal["fee"]["amount"], withdrawal["totalDebit"]["amount"]) == ("WITHDRAWAL", "2.50", "252.50")
    top_up = await quote(kind="TOP_UP", amount="10.00", toWalletId=w1["id"])
    assert (top_up["feeKind"], top_up["fee"]["amount"]) == ("TOP_UP", "0.50")
    abroad = await quote(kind="INTERNATIONAL_TRANSFER", amount="100.00", fromWalletId=w1["id"], destinationCountry="US")
    assert (abroad["feeKind"], abroad["fee"]["amount"], abroad["totalDebit"]["amount"]) == ("INTERNATIONAL_TRANSFER", "5.50", "105.50")
    assert abroad["rule"]["id"] == international["id"]

    # A TRANSFER between a CN and a US customer is quoted, and charged, as an international transfer.
    cross = await quote(kind="TRANSFER", amount="100.00", fromWalletId=w1["id"], toWalletId=w3["id"])
    assert (cross["feeKind"], cross["fee"]["amount"]) == ("INTERNATIONAL_TRANSFER", "5.50")
    assert (await partner.top_up(w1["id"], "1000.00"))["userErrors"] == []
    before = await partner.balance(w1["id"])  # the top-up's own 0.50 fee came out of its credit
    assert before == "999.50"
    posted = await partner.transfer(w1["id"], w3["id"], "100.00")
    assert posted["userErrors"] == [], posted
    tx = (await partner.ok(TRANSACTION, {"id": posted["transaction"]["id"]}))["transaction"]
    assert tx["fee"] == {"amount": "5.50", "currency": "CNY"}
    assert tx["feeBreakdown"]["fee_kind"] == "INTERNATIONAL_TRANSFER"
    assert tx["feeBreakdown"]["rule_id"] == international["id"]  # the deprecated JSON names the rule by its global ID
    assert await partner.balance(w1["id"]) == "894.00"
    assert await partner.balance(w3["id"]) == "100.00"


async def test_a_quote_on_another_partners_wallet_is_not_found(clients: ApiClientFactory):
    a, b = await clients.partner(), await clients.partner()
    wallet = await a.open_wallet("CNY")
    body = await b.gql(QUOTE, {"input": {"kind": "WITHDRAWAL", "amount": "1.00", "currency": "CNY", "fromWalletId": wallet["id"]}})
    assert error_codes(body) == ["NOT_FOUND"]


async def test_an_international_quote_needs_a_destination(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    await _rule(admin, kind="INTERNATIONAL_TRANSFER", partnerId=_partner_gid(partner), currency="CNY", fixed="1.00")
    wallet = await partner.open_wallet("CNY")
    body = await partner.gql(QUOTE, {"input": {"kind": "INTERNATIONAL_TRANSFER", "amount": "1.00", "currency": "CNY",
                                               "fromWalletId": wallet["id"]}})
    assert error_codes(body) == ["VALIDATION"]


# --- feeSchedule --------------------------------------------------------------------------


async def test_a_partner_sees_the_bank_schedule_and_its_own_but_not_another_partners(clients: ApiClientFactory, admin):
    p, q = await clients.partner(), await clients.partner()
    own = await _rule(admin, kind="PAYMENT", partnerId=_partner_gid(p), currency="CNY", fixed="0.10")
    foreign = await _rule(admin, kind="PAYMENT", partnerId=_partner_gid(q), currency="CNY", fixed="0.20")
    bank = await _rule(admin, kind="PAYMENT", currency="SGD", fixed="0.30")
    try:
        seen = {rule["id"]: rule for rule in (await p.ok(SCHEDULE))["feeSchedule"]}
        assert own["id"] in seen and seen[own["id"]]["scope"] == "PARTNER"
        assert bank["id"] in seen and seen[bank["id"]]["scope"] == "BANK"
        assert foreign["id"] not in seen
        assert all(rule["scope"] == "BANK" for rid, rule in seen.items() if rid != own["id"])
        q_seen = {rule["id"] for rule in (await q.ok(SCHEDULE))["feeSchedule"]}
        assert foreign["id"] in q_seen and own["id"] not in q_seen and bank["id"] in q_seen
    finally:
        await retire_rule(rule_id=object_uuid(bank["id"]), at=None)


# --- feeRuleCreate / Update / Retire: bad input ----------------------------------------------


def _past() -> str:
    return _iso(datetime.now(timezone.utc) - timedelta(hours=1))


def _later(hours: int) -> str:
    return _iso(datetime.now(timezone.utc) + timedelta(hours=hours))


BAD_RULES: dict[str, tuple[dict[str, Any], str]] = {
    "rate over 100 %": ({"rateBps": 10_001}, "VALIDATION"),
    "negative rate": ({"rateBps": -1}, "VALIDATION"),
    "min above max": ({"feeMin": "5.00", "feeMax": "1.00"}, "VALIDATION"),
    "unknown currency": ({"currency": "ZZZ"}, "VALIDATION"),
    "unknown corridor": ({"corridor": "SIDEWAYS"}, "VALIDATION"),
    "unknown customer kind": ({"customerKind": "ROBOT"}, "VALIDATION"),
    "unknown destination": ({"destinationCountry": "XX"}, "VALIDATION"),
    "tier upside down": ({"amountMin": "10.00", "amountMax": "5.00"}, "VALIDATION"),
    "free allowance too big": ({"freePerMonth": 1001}, "VALIDATION"),
    "ends before it starts": ({"effectiveFrom": "LATER2", "effectiveTo": "LATER1"}, "VALIDATION"),
    "starts in the past": ({"effectiveFrom": "PAST"}, "VALIDATION"),
    "negative fixed": ({"fixed": "-1"}, "VALIDATION"),  # issue 4: every malformed rule is VALIDATION
}


@pytest.mark.parametrize("case", list(BAD_RULES))
async def test_a_bad_rule_is_refused_audited_and_not_stored(clients: ApiClientFactory, admin, case):
    partner = await clients.partner()
    changes, code = BAD_RULES[case]
    times = {"PAST": _past(), "LATER1": _later(1), "LATER2": _later(2)}
    changes = {k: times.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    before = await FeeRule.all().count()
    payload = await _create(admin, **{"kind": "WITHDRAWAL", "partnerId": _partner_gid(partner), "currency": "CNY", **changes})
    assert payload["rule"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code], payload
    assert await FeeRule.all().count() == before
    audit = await _last_audit("feeRuleCreate", admin.staff_id)
    assert audit is not None and audit.outcome == code


async def test_an_unknown_kind_is_refused_by_the_schema_and_nothing_is_stored(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    before = await FeeRule.all().count()
    body = await admin.gql(CREATE, {"input": {"kind": "LOTTERY", "partnerId": _partner_gid(partner), "currency": "CNY"}})
    assert body.get("errors") and body.get("data") is None
    assert await FeeRule.all().count() == before


async def test_an_overlapping_rule_of_equal_precedence_is_refused(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    pid = _partner_gid(partner)
    first = await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="1.00")
    before = await FeeRule.all().count()
    clash = await _create(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="2.00")
    assert [e["code"] for e in clash["userErrors"]] == ["VALIDATION"] and clash["rule"] is None
    # The message names the clashing rule by its terms (no raw id reaches a client).
    message = clash["userErrors"][0]["message"]
    assert "the partner's own WITHDRAWAL rule (currency CNY) in force from" in message, message
    assert first["effectiveFrom"][:19] in message, (first["effectiveFrom"], message)
    assert await FeeRule.all().count() == before
    assert (await _last_audit("feeRuleCreate", admin.staff_id)).outcome == "VALIDATION"
    # More specific (a corridor) is a different precedence, so it is accepted.
    await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", corridor="CROSS_BORDER", fixed="2.00")
    # And another partner's identical rule does not overlap.
    other = await clients.partner()
    await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(other), currency="CNY", fixed="2.00")


async def test_update_makes_a_new_version_and_ends_the_old_one(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    old = await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", fixed="1.00")
    starts = datetime.now(timezone.utc) + timedelta(minutes=10)
    data = await admin.ok(UPDATE, {"input": {"ruleId": old["id"], "fixed": "2.00", "effectiveFrom": _iso(starts)}})
    payload = data["feeRuleUpdate"]
    assert payload["userErrors"] == [], payload
    new = payload["rule"]
    assert new["id"] != old["id"] and new["fixed"] == "2.00" and new["currency"] == "CNY"
    old_row = await FeeRule.get(id=object_uuid(old["id"]))
    assert old_row.effective_to is not None and abs((old_row.effective_to - starts).total_seconds()) < 1
    assert old_row.fixed_minor == 100
    audit = await _last_audit("feeRuleUpdate", admin.staff_id)
    assert audit is not None and audit.outcome == "OK"


async def test_a_bad_update_changes_nothing(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    old = await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", fixed="1.00")
    before = await FeeRule.all().count()
    for changes in ({"rateBps": 20_000}, {"feeMin": "9.00", "feeMax": "1.00"}, {"effectiveFrom": _past()}):
        data = await admin.ok(UPDATE, {"input": {"ruleId": old["id"], **changes}})
        payload = data["feeRuleUpdate"]
        assert [e["code"] for e in payload["userErrors"]] == ["VALIDATION"], (changes, payload)
        assert (await _last_audit("feeRuleUpdate", admin.staff_id)).outcome == "VALIDATION"
    assert await FeeRule.all().count() == before
    row = await FeeRule.get(id=object_uuid(old["id"]))
    assert row.effective_to is None and row.fixed_minor == 100  # the old version was not ended


async def test_retire_ends_a_rule_and_refuses_the_past(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    rule = await _rule(admin, kind="WITHDRAWAL", partnerId=_partner_gid(partner), currency="CNY", fixed="1.00")
    refused = (await admin.ok(RETIRE, {"input": {"ruleId": rule["id"], "at": _past()}}))["feeRuleRetire"]
    assert [e["code"] for e in refused["userErrors"]] == ["VALIDATION"]
    assert (await FeeRule.get(id=object_uuid(rule["id"]))).effective_to is None
    assert (await _last_audit("feeRuleRetire", admin.staff_id)).outcome == "VALIDATION"
    done = (await admin.ok(RETIRE, {"input": {"ruleId": rule["id"]}}))["feeRuleRetire"]
    assert done["userErrors"] == [] and done["rule"]["effectiveTo"] is not None
    assert (await _last_audit("feeRuleRetire", admin.staff_id)).outcome == "OK"
    assert rule["id"] not in {r["id"] for r in (await partner.ok(SCHEDULE))["feeSchedule"]}
    again = (await admin.ok(RETIRE, {"input": {"ruleId": rule["id"]}}))["feeRuleRetire"]
    assert [e["code"] for e in again["userErrors"]] == ["VALIDATION"]


async def test_only_admin_changes_rules(clients: ApiClientFactory, staff):  # noqa: F811
    partner = await clients.partner()
    before = await FeeRule.all().count()
    for role in ("compliance", "support", "analyst"):
        member = await staff(role)
        body = await member.gql(CREATE, {"input": {"kind": "PAYMENT", "partnerId": _partner_gid(partner), "currency": "CNY"}})
        assert error_codes(body) == ["FORBIDDEN"], role
    body = await partner.gql(CREATE, {"input": {"kind": "PAYMENT", "partnerId": _partner_gid(partner), "currency": "CNY"}})
    assert error_codes(body) == ["FORBIDDEN"]
    assert await FeeRule.all().count() == before


# --- feeRevenue ---------------------------------------------------------------------------------


async def test_fee_revenue_by_partner_kind_currency_and_day(clients: ApiClientFactory, admin, staff):  # noqa: F811
    partner = await clients.partner()
    pid = _partner_gid(partner)
    await _rule(admin, kind="TRANSFER", partnerId=pid, currency="CNY", fixed="1.00")
    await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="2.00")
    start = datetime.now(timezone.utc)  # no slack: the window holds this test's postings alone
    w1, w2 = await partner.open_wallet("CNY"), await partner.open_wallet("CNY")
    assert (await partner.top_up(w1["id"], "100.00"))["userErrors"] == []
    for _ in range(2):
        assert (await partner.transfer(w1["id"], w2["id"], "10.00"))["userErrors"] == []
    assert (await partner.withdraw(w1["id"], "5.00"))["userErrors"] == []
    end = datetime.now(timezone.utc) + timedelta(milliseconds=1)
    window = {"f": _iso(start), "t": _iso(end)}

    async def lines(client: Any, group: str) -> dict[str, tuple[str, str, int]]:
        data = await client.ok(REVENUE, {**window, "g": group})
        return {l["group"]: (l["revenue"]["amount"], l["revenue"]["currency"], l["transactions"]) for l in data["feeRevenue"]}

    by_partner = await lines(admin, "PARTNER")
    assert by_partner[pid] == ("4.00", "CNY", 3)  # the group is the partner's global ID
    by_kind = await lines(admin, "KIND")
    assert by_kind["TRANSFER"] == ("2.00", "CNY", 2) and by_kind["WITHDRAWAL"] == ("2.00", "CNY", 1)
    assert "TOP_UP" not in by_kind  # fee-free transactions are not revenue
    assert (await lines(admin, "CURRENCY"))["CNY"] == ("4.00", "CNY", 3)
    days = await lines(admin, "DAY")
    assert sum(int(n) for _, _, n in days.values()) == 3
    assert set(days) <= {start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")}
    for role in ("compliance", "analyst"):
        assert (await lines(await staff(role), "PARTNER"))[pid] == ("4.00", "CNY", 3)
    support = await staff("support")
    assert error_codes(await support.gql(REVENUE, {**window, "g": "KIND"})) == ["FORBIDDEN"]
    assert error_codes(await partner.gql(REVENUE, {**window, "g": "KIND"})) == ["FORBIDDEN"]
    backwards = await admin.gql(REVENUE, {"f": window["t"], "t": window["f"], "g": "KIND"})
    assert error_codes(backwards) == ["VALIDATION"]


# --- partnerFeeShareSet ----------------------------------------------------------------------------


async def test_partner_fee_share_is_set_by_admin_only_and_splits_the_fee(clients: ApiClientFactory, admin, staff):  # noqa: F811
    partner = await clients.partner()
    pid = _partner_gid(partner)
    done = (await admin.ok(SHARE, {"input": {"partnerId": pid, "shareBps": 2500}}))["partnerFeeShareSet"]
    assert done["userErrors"] == [] and done["partner"]["feeShareBps"] == 2500
    assert (await _last_audit("partnerFeeShareSet", admin.staff_id)).outcome == "OK"
    refused = (await admin.ok(SHARE, {"input": {"partnerId": pid, "shareBps": 10_001}}))["partnerFeeShareSet"]
    assert [e["code"] for e in refused["userErrors"]] == ["VALIDATION"]
    for role in ("compliance", "support", "analyst"):
        body = await (await staff(role)).gql(SHARE, {"input": {"partnerId": pid, "shareBps": 9000}})
        assert error_codes(body) == ["FORBIDDEN"], role
    assert error_codes(await partner.gql(SHARE, {"input": {"partnerId": pid, "shareBps": 9000}})) == ["FORBIDDEN"]
    customer = await partner.create_customer()
    token = await customer_session(partner, customer["id"], ["fees:read"])
    assert error_codes(await token.gql(SHARE, {"input": {"partnerId": pid, "shareBps": 9000}})) == ["FORBIDDEN"]
    assert (await Partner.get(id=uuid.UUID(partner.partner_id))).fee_share_bps == 2500

    # 25 % of a 1.01 fee is 0.2525: the partner gets 0.25 (rounded down), the bank the rest.
    await _rule(admin, kind="WITHDRAWAL", partnerId=pid, currency="CNY", fixed="1.01")
    wallet = await partner.open_wallet("CNY", customer_id=customer["id"])
    assert (await partner.top_up(wallet["id"], "10.00"))["userErrors"] == []
    posted = await partner.withdraw(wallet["id"], "1.00")
    assert posted["userErrors"] == [], posted
    tx = (await partner.ok(TRANSACTION, {"id": posted["transaction"]["id"]}))["transaction"]
    assert tx["fee"]["amount"] == "1.01"
    assert tx["feeBreakdown"]["partner_share_minor"] == 25


async def test_fee_revenue_by_kind_files_a_cross_country_transfer_as_international(clients: ApiClientFactory, admin):
    partner = await clients.partner()
    await _rule(admin, kind="INTERNATIONAL_TRANSFER", partnerId=_partner_gid(partner), currency="CNY", fixed="3.00")
    start = datetime.now(timezone.utc)
    sender = await partner.open_wallet("CNY", customer_id=(await partner.create_customer(country="CN"))["id"])
    abroad = await partner.open_wallet("CNY", customer_id=(await partner.create_customer(country="US"))["id"])
    assert (await partner.top_up(sender["id"], "50.00"))["userErrors"] == []
    assert (await partner.transfer(sender["id"], abroad["id"], "10.00"))["userErrors"] == []
    end = datetime.now(timezone.utc) + timedelta(milliseconds=1)
    data = await admin.ok(REVENUE, {"f": _iso(start), "t": _iso(end), "g": "KIND"})
    by_kind = {l["group"]: (l["revenue"]["amount"], l["transactions"]) for l in data["feeRevenue"]}
    assert by_kind == {"INTERNATIONAL_TRANSFER": ("3.00", 1)}, by_kind


async def test_a_date_time_without_an_offset_is_refused_not_an_internal_error(admin):  # noqa: F811
    """Issue 19: feeRevenue with a naive date-time failed with INTERNAL (naive vs aware comparison)."""
    for naive in ({"f": "2024-05-01T00:00:00", "t": "2024-05-02T00:00:00Z"},
                  {"f": "2024-05-01T00:00:00Z", "t": "2024-05-02T00:00:00"}):
        body = await admin.gql(REVENUE, {**naive, "g": "DAY"})
        assert error_codes(body) == ["BAD_REQUEST"], body
        assert "offset" in body["errors"][0]["message"]
    # With an offset, normalised to UTC: +08:00 midnight is 16:00 UTC the day before.
    body = await admin.gql(REVENUE, {"f": "2024-05-01T00:00:00+08:00", "t": "2024-05-02T00:00:00+08:00", "g": "DAY"})
    assert "errors" not in body, body
